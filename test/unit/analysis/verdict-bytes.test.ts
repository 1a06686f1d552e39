import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  judgeMetric,
  type JudgeOptions,
  type MetricVerdict,
  type ReasonCode,
  type Verdict,
} from '../../../src/analysis/index.js';
import { bytesSeries, type BytesShape } from '../../helpers/synthetic.js';

const KB = 1024;
const MB = 1024 * 1024;
const THRESHOLD = 64;
const options: JudgeOptions = { thresholdPerOp: THRESHOLD, alpha: 0.05, opsPerSecond: 2000 };

/** Noise levels (SD of each raw sample) over which the shapes must never read as a leak. */
const NOISES = [0, 16 * KB, 64 * KB, 256 * KB, 1 * MB];
const CYCLES = [12, 24];
const SEEDS = 20;

function sweep(
  shapes: BytesShape[],
  noises: number[],
  cycles: number[],
  seeds: number,
  seedBase: number,
): MetricVerdict[] {
  const out: MetricVerdict[] = [];
  for (const noise of noises)
    for (const measuredCycles of cycles)
      for (let s = 1; s <= seeds; s++)
        out.push(judgeMetric(bytesSeries({ seed: seedBase + s, shapes, noise, measuredCycles }), options));
  return out;
}

function count(vs: MetricVerdict[], verdict: Verdict, reason?: ReasonCode): number {
  return vs.filter((v) => v.verdict === verdict && (reason === undefined || v.reasonCode === reason)).length;
}

function describeLeaks(vs: MetricVerdict[]): string {
  return vs
    .filter((v) => v.verdict === 'leak')
    .slice(0, 3)
    .map((v) => v.reason)
    .join(' | ');
}

describe('bytes verdict: never LEAK on clean shapes (seeds × noise × run length)', () => {
  it('flat', () => {
    const vs = sweep([{ kind: 'flat' }], NOISES, CYCLES, SEEDS, 100);
    assert.equal(count(vs, 'leak'), 0, describeLeaks(vs));
  });
  it('GC sawtooth: amplitudes 1–16 MB, periods 0.2–20 cycles', () => {
    for (const amplitude of [1 * MB, 4 * MB, 16 * MB])
      for (const periodCycles of [0.2, 3, 7, 20]) {
        const vs = sweep([{ kind: 'sawtooth', amplitude, periodCycles }], NOISES, CYCLES, SEEDS, 200);
        assert.equal(
          count(vs, 'leak'),
          0,
          `sawtooth ${amplitude / MB} MB / ${periodCycles} cycles: ${describeLeaks(vs)}`,
        );
      }
  });
  it('saturating: a cache filling for 6–9 cycles then stopping', () => {
    for (const amplitude of [4 * MB, 16 * MB])
      for (const fillCycles of [6, 8, 9]) {
        const vs = sweep([{ kind: 'saturating', amplitude, fillCycles }], NOISES, CYCLES, SEEDS, 300);
        assert.equal(count(vs, 'leak'), 0, `saturating ${amplitude / MB} MB / ${fillCycles}: ${describeLeaks(vs)}`);
      }
  });
  it('step: a one-off jump of 8–32 MB early, mid or late', () => {
    for (const size of [8 * MB, 32 * MB])
      for (const atMeasuredCycle of [3, 6, 9]) {
        const vs = sweep([{ kind: 'step', size, atMeasuredCycle }], NOISES, CYCLES, SEEDS, 400);
        assert.equal(count(vs, 'leak'), 0, `step ${size / MB} MB at ${atMeasuredCycle}: ${describeLeaks(vs)}`);
      }
  });
  it('warm-up: exponential approach from below or above', () => {
    for (const amplitude of [8 * MB, 32 * MB, -16 * MB]) {
      const vs = sweep([{ kind: 'warmup', amplitude, tauCycles: 1 }], NOISES, CYCLES, SEEDS, 500);
      assert.equal(count(vs, 'leak'), 0, `warm-up ${amplitude / MB} MB: ${describeLeaks(vs)}`);
    }
  });
  it('transient: grows under load, given back in recovery', () => {
    const vs = sweep([{ kind: 'transient', bytesPerOp: 512 }], NOISES, CYCLES, SEEDS, 600);
    assert.equal(count(vs, 'leak'), 0, describeLeaks(vs));
  });
});

describe('bytes verdict: LEAK on leaks well above the detectable size', () => {
  it('4× the threshold at low to moderate noise: always', () => {
    const vs = sweep(
      [{ kind: 'leak', bytesPerOp: 4 * THRESHOLD }],
      [0, 16 * KB, 64 * KB, 256 * KB],
      CYCLES,
      SEEDS,
      700,
    );
    assert.equal(count(vs, 'leak', 'growth'), vs.length);
  });
  it('4× the threshold at 1 MB noise: at least 90 %', () => {
    const vs = sweep([{ kind: 'leak', bytesPerOp: 4 * THRESHOLD }], [1 * MB], CYCLES, 50, 800);
    assert.ok(count(vs, 'leak') >= 0.9 * vs.length, `${count(vs, 'leak')}/${vs.length}`);
  });
  it('a leak under a GC sawtooth, a warm-up or after a step is still found', () => {
    const combos: BytesShape[][] = [
      [
        { kind: 'leak', bytesPerOp: 1024 },
        { kind: 'sawtooth', amplitude: 4 * MB, periodCycles: 3 },
      ],
      [
        { kind: 'leak', bytesPerOp: 1024 },
        { kind: 'warmup', amplitude: 16 * MB, tauCycles: 2 },
      ],
      [
        { kind: 'leak', bytesPerOp: 1024 },
        { kind: 'step', size: 16 * MB, atMeasuredCycle: 4 },
      ],
    ];
    for (const shapes of combos) {
      const vs = sweep(shapes, [0, 64 * KB, 256 * KB], CYCLES, SEEDS, 900);
      assert.equal(count(vs, 'leak'), vs.length, JSON.stringify(shapes));
    }
  });
  it('reports the size: per op near the truth, per hour = per op × rate × 3600, interval around it', () => {
    const v = judgeMetric(
      bytesSeries({ seed: 11, shapes: [{ kind: 'leak', bytesPerOp: 300 }], noise: 64 * KB }),
      options,
    );
    assert.equal(v.verdict, 'leak');
    assert.ok(v.perOp !== null && Math.abs(v.perOp - 300) < 15, `perOp ${v.perOp}`);
    assert.ok(v.ci !== null && v.ci[0] <= v.perOp && v.perOp <= v.ci[1] && v.ci[0] > THRESHOLD);
    assert.ok(v.perHour !== null && Math.abs(v.perHour - v.perOp * 2000 * 3600) < 1e-6);
    assert.ok(v.minDetectablePerOp !== null && Math.abs(v.minDetectablePerOp - (v.ci[1] - v.ci[0]) / 2) < 1e-9);
    assert.ok(v.persistence?.persists);
    assert.ok(v.recovery !== null && v.recovery.returned === false && (v.recovery.retainedShare ?? 0) > 0.5);
    assert.match(v.reason, /B\/op/);
    assert.match(v.reason, /GB\/h|MB\/h/);
  });
  it('a leak without a recovery floor is still a leak (recovery is not a blocker)', () => {
    const s = bytesSeries({ seed: 12, shapes: [{ kind: 'leak', bytesPerOp: 300 }], noise: 64 * KB });
    const v = judgeMetric({ ...s, recoveryFloor: null }, options);
    assert.equal(v.verdict, 'leak');
    assert.equal(v.recovery?.retainedShare, null);
  });
});

describe('bytes verdict: PASS and the specific INCONCLUSIVE reasons', () => {
  it('PASS on flat series at low noise', () => {
    const vs = sweep([{ kind: 'flat' }], [0, 16 * KB, 64 * KB], CYCLES, SEEDS, 1000);
    assert.equal(count(vs, 'pass', 'flat'), vs.length);
    for (const v of vs) assert.ok(v.ci !== null && v.ci[1] < THRESHOLD);
  });
  it('PASS after a quick warm-up is dropped', () => {
    const vs = sweep(
      [{ kind: 'warmup', amplitude: 32 * MB, tauCycles: 1 }],
      [0, 16 * KB, 64 * KB],
      CYCLES,
      SEEDS,
      1100,
    );
    assert.equal(count(vs, 'pass'), vs.length);
  });
  it('drops a warm-up still decaying in the measured cycles (cyclesDropped reports it)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const v = judgeMetric(
        bytesSeries({ seed, shapes: [{ kind: 'warmup', amplitude: 16 * MB, tauCycles: 1.5 }], noise: 16 * KB }),
        options,
      );
      assert.equal(v.verdict, 'pass', v.reason);
      assert.ok(v.cyclesDropped > 3, `dropped ${v.cyclesDropped}`);
      assert.equal(v.cyclesUsed + v.cyclesDropped, 15);
    }
    // A bigger warm-up still growing past the share that may be dropped is not called flat.
    const big = judgeMetric(
      bytesSeries({ seed: 3, shapes: [{ kind: 'warmup', amplitude: 64 * MB, tauCycles: 1.5 }], noise: 16 * KB }),
      options,
    );
    assert.equal(big.verdict, 'inconclusive');
    assert.equal(big.reasonCode, 'saturating');
  });
  it('saturating: a cache that fills then stops', () => {
    const vs = sweep(
      [{ kind: 'saturating', amplitude: 16 * MB, fillCycles: 8 }],
      [0, 16 * KB, 64 * KB],
      [12],
      SEEDS,
      1200,
    );
    assert.equal(count(vs, 'inconclusive', 'saturating'), vs.length);
    assert.match((vs[0] as MetricVerdict).reason, /levelled off/);
    // Over a run twice as long the filling is a small early part: the rest is flat, PASS.
    const long = sweep(
      [{ kind: 'saturating', amplitude: 16 * MB, fillCycles: 8 }],
      [0, 16 * KB, 64 * KB],
      [24],
      SEEDS,
      1200,
    );
    assert.equal(count(long, 'pass') + count(long, 'inconclusive', 'saturating'), long.length);
  });
  it('step: a one-off jump, flat on both sides', () => {
    const vs = sweep(
      [{ kind: 'step', size: 8 * MB, atMeasuredCycle: 6 }],
      [0, 16 * KB, 64 * KB, 256 * KB],
      CYCLES,
      SEEDS,
      1300,
    );
    assert.equal(count(vs, 'inconclusive', 'step'), vs.length);
    for (const v of vs) {
      assert.ok(v.step !== null && Math.abs(v.step.size - 8 * MB) < 1 * MB, `step ${JSON.stringify(v.step)}`);
      assert.equal(v.step.atCycle, 3 + 6);
    }
  });
  it('transient: significant growth given back in recovery', () => {
    const vs = sweep([{ kind: 'transient', bytesPerOp: 512 }], [0, 64 * KB, 256 * KB], CYCLES, SEEDS, 1400);
    assert.equal(count(vs, 'inconclusive', 'transient'), vs.length);
    for (const v of vs) assert.ok(v.recovery?.returned);
  });
  it('underpowered: the interval straddles δ; says how many cycles would settle it', () => {
    const vs = sweep([{ kind: 'leak', bytesPerOp: 100 }], [1 * MB], [12], 40, 1500);
    const under = vs.filter((v) => v.reasonCode === 'underpowered');
    assert.ok(under.length >= 0.5 * vs.length, `${under.length}/${vs.length}`);
    for (const v of under) {
      assert.equal(v.verdict, 'inconclusive');
      assert.ok(v.cyclesNeeded !== null && v.cyclesNeeded > 12, `cyclesNeeded ${v.cyclesNeeded}`);
      assert.ok(v.reason.includes(String(v.cyclesNeeded)), v.reason);
    }
  });
  it('the suggested number of cycles mostly settles it', () => {
    let settled = 0;
    let tried = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const v = judgeMetric(
        bytesSeries({ seed: 1600 + seed, shapes: [{ kind: 'leak', bytesPerOp: 120 }], noise: 1 * MB }),
        options,
      );
      if (v.reasonCode !== 'underpowered' || v.cyclesNeeded === null || v.cyclesNeeded > 200) continue;
      tried++;
      const again = judgeMetric(
        bytesSeries({
          seed: 1700 + seed,
          shapes: [{ kind: 'leak', bytesPerOp: 120 }],
          noise: 1 * MB,
          measuredCycles: v.cyclesNeeded,
        }),
        options,
      );
      if (again.verdict !== 'inconclusive') settled++;
    }
    assert.ok(tried >= 10, `tried ${tried}`);
    assert.ok(settled >= 0.5 * tried, `${settled}/${tried} settled`);
  });
  it('data: a serious data issue, or too many missing floors', () => {
    const s = bytesSeries({ seed: 1, shapes: [{ kind: 'leak', bytesPerOp: 1024 }], noise: 0 });
    const pid = judgeMetric(
      { ...s, issues: [{ code: 'pid-changed', detail: 'pid 100 became 230 at cycle 7' }] },
      options,
    );
    assert.equal(pid.verdict, 'inconclusive');
    assert.equal(pid.reasonCode, 'data');
    assert.match(pid.reason, /pid 100 became 230/);
    const late = judgeMetric({ ...s, issues: [{ code: 'late-samples', detail: 'sampler 40 ms late' }] }, options);
    assert.equal(late.verdict, 'leak');
    const holes = judgeMetric(
      { ...s, cycles: s.cycles.map((c, i) => (i % 2 === 1 ? { ...c, floor: null } : c)) },
      options,
    );
    assert.equal(holes.reasonCode, 'data');
    const few = judgeMetric({ ...s, cycles: s.cycles.map((c, i) => (i === 7 ? { ...c, floor: null } : c)) }, options);
    assert.equal(few.verdict, 'leak', 'one missing floor of 12 is skipped');
    const noOps = judgeMetric({ ...s, cycles: s.cycles.map((c) => ({ ...c, cumulativeOps: 0 })) }, options);
    assert.equal(noOps.reasonCode, 'data');
  });
  it('too short a run: underpowered, with the cycles needed', () => {
    const v = judgeMetric(bytesSeries({ seed: 1, shapes: [{ kind: 'flat' }], noise: 0, measuredCycles: 4 }), options);
    assert.equal(v.verdict, 'inconclusive');
    assert.equal(v.reasonCode, 'underpowered');
    assert.equal(v.cyclesNeeded, 6);
  });
});

describe('bytes verdict: contract', () => {
  it('is deterministic and does not mutate its input', () => {
    const s = bytesSeries({
      seed: 21,
      shapes: [
        { kind: 'leak', bytesPerOp: 200 },
        { kind: 'sawtooth', amplitude: 2 * MB, periodCycles: 3 },
      ],
      noise: 128 * KB,
    });
    const before = JSON.stringify(s);
    const shuffled = { ...s, cycles: [...s.cycles].reverse() };
    const a = judgeMetric(s, options);
    const b = judgeMetric(s, options);
    const c = judgeMetric(shuffled, options);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
    assert.equal(JSON.stringify(s), before);
  });
  it('drops at least minWarmupCycles even when the runner flagged none', () => {
    const s = bytesSeries({ seed: 2, shapes: [{ kind: 'flat' }], noise: 16 * KB, warmupCycles: 0, measuredCycles: 12 });
    const v = judgeMetric(s, { ...options, minWarmupCycles: 2 });
    assert.ok(v.cyclesDropped >= 2);
    assert.equal(v.cyclesUsed + v.cyclesDropped, 12);
  });
  it('fills every field of the verdict', () => {
    const v = judgeMetric(bytesSeries({ seed: 4, shapes: [{ kind: 'flat' }], noise: 16 * KB }), options);
    assert.equal(v.metric, 'rss');
    assert.equal(v.kind, 'bytes');
    assert.equal(v.unit, 'B');
    assert.equal(v.thresholdPerOp, THRESHOLD);
    assert.equal(v.cyclesNeeded, null);
    assert.ok(v.persistence !== null && v.recovery !== null);
    assert.equal(v.step, null);
    assert.ok(v.reason.length > 20);
  });
});
