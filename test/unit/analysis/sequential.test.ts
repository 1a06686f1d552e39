// Adaptive length: the look schedule, the alpha each look spends, and (on seeded synthetic series) that
// looking repeatedly does not raise the error rates while a flat broker decides at the first look.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { judgeMetric, theilSenDetailed, type MetricSeries, type Verdict } from '../../../src/analysis/index.js';
import {
  allDecided,
  stopsEarly,
  FIRST_LOOK_CYCLES,
  lookAt,
  obrienFlemingSpending,
  pocockSpending,
  RUN_ALPHA,
  RUN_FALSE_LEAK_RATE,
  scenarioAlpha,
  sequentialPlan,
} from '../../../src/analysis/sequential.js';
import { bytesSeries, gaussian, mulberry32, type BytesShape } from '../../helpers/synthetic.js';

const MB = 1024 * 1024;
const THRESHOLD = 64;

/** The series cut to its first `measured` measured cycles (what a look sees). */
function upTo(series: MetricSeries, measured: number): MetricSeries {
  const warmup = series.cycles.filter((cycle) => cycle.warmup).length;
  return { ...series, cycles: series.cycles.slice(0, warmup + measured), recoveryFloor: null };
}

/** Runs the stopping rule over a series recorded to the cap: the verdict where it stopped, and when. */
function sequentialVerdict(series: MetricSeries, familyAlpha: number, cap: number): { verdict: Verdict; at: number } {
  const plan = sequentialPlan(familyAlpha, cap);
  for (const [k, n] of plan.looks.entries()) {
    const options = {
      thresholdPerOp: THRESHOLD,
      alpha: plan.alphas[k] as number,
      opsPerSecond: 1000,
      serialCorrection: 'conservative' as const,
    };
    const judged = judgeMetric(upTo(series, n), options);
    if (stopsEarly([judged.verdict])) return { verdict: judged.verdict, at: n };
    // At the cap: the final judgement, recovery floor included.
    if (n === cap) return { verdict: judgeMetric(series, options).verdict, at: n };
  }
  throw new Error('the plan ends at the cap');
}

describe('sequential plan', () => {
  it(
    'looks from the first judged cycle to the cap, growing geometrically; early looks spend the family alpha, ' +
      'the cap gets all of it',
    () => {
      const plan = sequentialPlan(0.01, 24);
      assert.equal(plan.looks[0], FIRST_LOOK_CYCLES);
      assert.equal(plan.looks.at(-1), 24);
      for (let k = 1; k < plan.looks.length; k++) assert.ok((plan.looks[k] as number) > (plan.looks[k - 1] as number));
      const early = plan.alphas.slice(0, -1).reduce((a, b) => a + b, 0);
      assert.ok(early < 0.01 && early > 0, `early looks spend ${early}`);
      assert.equal(plan.alphas.at(-1), 0.01);
      for (const alpha of plan.alphas) assert.ok(alpha > 0);
      assert.equal(lookAt(plan, FIRST_LOOK_CYCLES), 0);
      assert.equal(lookAt(plan, FIRST_LOOK_CYCLES + 1), -1);
    },
  );

  it('a cap below the first look gives one look at the cap with the whole alpha', () => {
    const plan = sequentialPlan(0.02, 4);
    assert.deepEqual(plan.looks, [4]);
    assert.deepEqual(plan.alphas, [0.02]);
  });

  it('spending functions: 0 at t = 0, α at t = 1, increasing; Pocock spends more early than O’Brien–Fleming', () => {
    for (const spend of [pocockSpending, obrienFlemingSpending]) {
      assert.equal(spend(0, 0.05), 0);
      assert.ok(Math.abs(spend(1, 0.05) - 0.05) < 1e-6);
      assert.ok(spend(0.5, 0.05) > spend(0.25, 0.05));
    }
    assert.ok(pocockSpending(0.25, 0.05) > obrienFlemingSpending(0.25, 0.05));
  });

  it('the run budget: false LEAK at most 1 % per run, shared by its scenarios', () => {
    assert.equal(RUN_ALPHA, 2 * RUN_FALSE_LEAK_RATE);
    assert.equal(RUN_FALSE_LEAK_RATE, 0.01);
    assert.ok(Math.abs(scenarioAlpha(12) * 12 - RUN_ALPHA) < 1e-15);
    assert.equal(scenarioAlpha(0), RUN_ALPHA);
  });

  it('allDecided: every verdict PASS or LEAK, and at least one', () => {
    assert.ok(allDecided(['pass', 'leak']));
    assert.ok(!allDecided(['pass', 'inconclusive']));
    assert.ok(!allDecided([]));
  });

  it('stopsEarly: only when every metric is PASS (a LEAK is confirmed up to the cap)', () => {
    assert.ok(stopsEarly(['pass', 'pass']));
    assert.ok(!stopsEarly(['pass', 'leak']));
    assert.ok(!stopsEarly([]));
  });
});

describe('sequential error rates (seeded synthetic series)', () => {
  /** AR(1) floors around a line of slope 100 B/op: does some look's upper bound fall below the truth (a false PASS)? */
  function missesAtSomeLook(
    seed: number,
    rho: number,
    alphas: (k: number) => number,
    looks: readonly number[],
  ): boolean {
    const g = gaussian(mulberry32(seed));
    const cap = looks.at(-1) as number;
    const xs = Array.from({ length: cap }, (_, i) => (i + 1) * 2000);
    let e = g();
    const ys = xs.map((x) => {
      const y = 64 * MB + 100 * x + 0.2 * MB * e;
      e = rho * e + Math.sqrt(1 - rho * rho) * g();
      return y;
    });
    return looks.some((n, k) => {
      const fit = theilSenDetailed(xs.slice(0, n), ys.slice(0, n), alphas(k), { serialCorrection: 'conservative' });
      return fit === null || fit.ci[1] < 100;
    });
  }

  it(
    'upper bounds of every look hold together at ≥ 1 − α (AR(1), ρ = 0.5); looking at the full α each time ' +
      'does not',
    () => {
      const familyAlpha = 0.1;
      const plan = sequentialPlan(familyAlpha, 24);
      let planned = 0;
      let naive = 0;
      const trials = 400;
      for (let seed = 1; seed <= trials; seed++) {
        if (missesAtSomeLook(seed, 0.5, (k) => plan.alphas[k] as number, plan.looks)) planned++;
        if (missesAtSomeLook(seed, 0.5, () => familyAlpha, plan.looks)) naive++;
      }
      // 0.1 plus two binomial standard errors at 400 trials.
      const bound = familyAlpha + 2 * Math.sqrt((familyAlpha * (1 - familyAlpha)) / trials);
      assert.ok(planned / trials <= bound, `some look missed in ${planned}/${trials}`);
      assert.ok(naive > planned, `naive looks missed in ${naive}/${trials}, planned in ${planned}`);
    },
  );

  it('clean shapes never LEAK under the stopping rule at a scenario’s share of the run alpha', () => {
    const shapes: BytesShape[][] = [
      [{ kind: 'flat' }],
      [{ kind: 'ar1', sd: 0.3 * MB, rho: 0.6 }],
      [{ kind: 'sawtooth', amplitude: 4 * MB, periodCycles: 3 }],
      [{ kind: 'saturating', amplitude: 8 * MB, fillCycles: 5 }],
      // Late-saturating: still filling at the first looks, where it reads as a leak.
      [{ kind: 'saturating', amplitude: 8 * MB, fillCycles: 12 }],
    ];
    for (const shape of shapes) {
      for (let seed = 1; seed <= 30; seed++) {
        const series = bytesSeries({ seed, shapes: shape, noise: 0.1 * MB, measuredCycles: 24 });
        const { verdict } = sequentialVerdict(series, scenarioAlpha(12) / 4, 24);
        assert.notEqual(verdict, 'leak', `${shape[0]?.kind} seed ${seed}`);
      }
    }
  });

  it('floors that do not move decide PASS at the first look', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const series = bytesSeries({ seed, shapes: [{ kind: 'flat' }], noise: 0, measuredCycles: 24 });
      const result = sequentialVerdict(series, scenarioAlpha(12) / 4, 24);
      assert.deepEqual(result, { verdict: 'pass', at: FIRST_LOOK_CYCLES });
    }
  });

  it('a leak at 4× δ is LEAK by the cap in most seeds, and never PASS', () => {
    let leaks = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const series = bytesSeries({
        seed,
        shapes: [{ kind: 'leak', bytesPerOp: 4 * THRESHOLD }],
        noise: 0.05 * MB,
        measuredCycles: 24,
      });
      const { verdict } = sequentialVerdict(series, scenarioAlpha(12) / 4, 24);
      assert.notEqual(verdict, 'pass', `seed ${seed}`);
      if (verdict === 'leak') leaks++;
    }
    assert.ok(leaks >= 18, `${leaks}/20 LEAK`);
  });
});
