import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  findFalls,
  judgeMetric,
  planTroughFloors,
  troughFloors,
  MAX_TROUGH_WINDOW_SHARE,
  type CycleFloor,
  type MetricSeries,
} from '../../../src/analysis/index.js';
import { cycledGcSeries } from '../../helpers/synthetic.js';

const MB = 1024 * 1024;
const WARMUP = 3;
const MEASURED = 12;
const OPTIONS = { thresholdPerOp: 64, alpha: 0.05 / 4, opsPerSecond: 2000 };
/** One cycle of threshold-sized growth: what the runner passes as the smallest fall that is a collection. */
const MIN_DROP = 64 * 5000;

/** A run shaped like the defaults: 5,000 operations per cycle, 2.5 s of load, 2 s of settle, a sample every 100 ms. */
function run(
  seed: number,
  extra: { gcEveryOps?: number; garbagePerOp?: number; leakPerOp?: number; noise?: number; jitter?: number } = {},
) {
  return cycledGcSeries({
    seed,
    cycles: WARMUP + MEASURED,
    opsPerCycle: 5000,
    loadMs: 2500,
    settleMs: 2000,
    sampleMs: 100,
    gcEveryOps: extra.gcEveryOps ?? 2400,
    garbagePerOp: extra.garbagePerOp ?? 12_000,
    leakPerOp: extra.leakPerOp ?? 0,
    noise: extra.noise ?? 0.2 * MB,
    jitter: extra.jitter ?? 0.1,
  });
}

type Run = ReturnType<typeof run>;

function series(r: Run, floors: (number | null)[]): MetricSeries {
  const cycles: CycleFloor[] = r.cycles.map((c, i) => ({
    index: i,
    warmup: i < WARMUP,
    cumulativeOps: c.cumulativeOps,
    floor: floors[i] ?? null,
    endMs: c.endMs,
  }));
  // Recovery idles without a collection: the last reading, like the settle floors.
  return {
    metric: 'rss',
    kind: 'bytes',
    unit: 'B',
    cycles,
    baselineFloor: null,
    recoveryFloor: r.values.at(-1) ?? null,
    issues: [],
  };
}

/** What the runner reads without troughs: the low value of the second half of each settle window. */
function settleFloors(r: Run): number[] {
  return r.cycles.map((c) => {
    const from = c.loadEndMs + (c.endMs - c.loadEndMs) / 2;
    const window = r.values
      .filter((_, i) => (r.ts[i] as number) >= from && (r.ts[i] as number) <= c.endMs)
      .sort((a, b) => a - b);
    return window[1] ?? (window[0] as number);
  });
}

function troughsOf(r: Run): (number | null)[] {
  const plan = planTroughFloors(r.cycles, r.ts, r.values, MEASURED, MIN_DROP);
  assert.ok(plan.windowCycles !== null, plan.why);
  return troughFloors(r.cycles, r.ts, r.values, plan.windowCycles);
}

describe('planTroughFloors', () => {
  it('finds the collection period under load in operations and sizes the window from it', () => {
    for (const gcEveryOps of [1500, 2400, 4000, 7000]) {
      const r = run(1, { gcEveryOps });
      const plan = planTroughFloors(r.cycles, r.ts, r.values, MEASURED, MIN_DROP);
      assert.ok(
        plan.gcPeriodOps !== null && Math.abs(plan.gcPeriodOps - gcEveryOps) <= 0.15 * gcEveryOps,
        `${plan.gcPeriodOps} vs ${gcEveryOps}`,
      );
      const span = Math.max(plan.longestGapOps as number, 2 * (plan.gcPeriodOps as number));
      assert.equal(plan.windowCycles, Math.max(1, Math.ceil(span / 5000)), plan.why);
      assert.ok((plan.longestGapOps as number) >= gcEveryOps * 0.9, 'the longest gap is at least about one period');
    }
  });
  it(
    'no collections, no troughs: a C broker, clean or leaking (its load-and-idle staircase ' +
      'has a rhythm, but memory never falls)',
    () => {
      for (const leakPerOp of [0, 256]) {
        const r = run(2, { garbagePerOp: 0, noise: 8 * 1024, leakPerOp });
        const plan = planTroughFloors(r.cycles, r.ts, r.values, MEASURED, MIN_DROP);
        assert.equal(plan.windowCycles, null);
        assert.match(plan.why, /no collections/);
      }
    },
  );
  it('findFalls merges a fall over neighbouring samples, places it at its first sample, ignores small ones', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.deepEqual(findFalls(xs, [10, 12, 14, 9, 5, 6, 8, 7, 9, 2], 4), [
      { ops: 3, size: 9 },
      { ops: 9, size: 7 },
    ]);
    assert.deepEqual(findFalls(xs, [1, 2, 3, 4], 1), []);
    assert.deepEqual(findFalls(xs, [5, 4, 3, 2, 1], 4), [{ ops: 1, size: 4 }]);
  });
  it('no troughs when the window would span more than a quarter of the measured cycles', () => {
    const r = run(3, { gcEveryOps: 9000, garbagePerOp: 3000 });
    const plan = planTroughFloors(r.cycles, r.ts, r.values, MEASURED, MIN_DROP);
    assert.ok(plan.gcPeriodOps !== null, 'the period is still reported');
    assert.ok(Math.ceil((2 * plan.gcPeriodOps) / 5000) > Math.floor(MAX_TROUGH_WINDOW_SHARE * MEASURED));
    assert.ok(plan.collections >= 3);
    assert.equal(plan.windowCycles, null);
    assert.match(plan.why, /too long/);
  });
});

describe('troughFloors', () => {
  it('takes the second lowest reading of the window: one stray low sample is ignored', () => {
    const cycles = [
      { startMs: 0, loadEndMs: 5, endMs: 9, operations: 1 },
      { startMs: 10, loadEndMs: 15, endMs: 19, operations: 1 },
    ];
    const ts = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18];
    const vs = [9, 7, 1, 8, 8, 6, 5, 9, 9, 9];
    assert.deepEqual(troughFloors(cycles, ts, vs, 1), [7, 6]);
    // A two-cycle window reaches back into the cycle before.
    assert.deepEqual(troughFloors(cycles, ts, vs, 2), [7, 5]);
    assert.deepEqual(troughFloors(cycles, [], [], 1), [null, null]);
  });
});

describe('verdicts on a GC sawtooth nobody collects (5,000 ops per cycle, collections every ~2,400)', () => {
  it('settle floors alias the sawtooth into a false leak; trough floors stay flat and never say LEAK', () => {
    let settleLeaks = 0;
    let troughLeaks = 0;
    let troughPasses = 0;
    const seeds = 30;
    for (let seed = 1; seed <= seeds; seed++) {
      const r = run(100 + seed);
      if (judgeMetric(series(r, settleFloors(r)), OPTIONS).verdict === 'leak') settleLeaks++;
      const v = judgeMetric(series(r, troughsOf(r)), OPTIONS);
      if (v.verdict === 'leak') troughLeaks++;
      if (v.verdict === 'pass') troughPasses++;
    }
    assert.ok(settleLeaks > 0, 'the problem exists: settle floors of an uncollected sawtooth can read as growth');
    assert.equal(troughLeaks, 0);
    assert.ok(troughPasses >= 0.8 * seeds, `${troughPasses}/${seeds} PASS on trough floors`);
  });
  it('a leak of 1 KB per operation under the same sawtooth is LEAK on trough floors, its size near the truth', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = run(200 + seed, { leakPerOp: 1024 });
      const v = judgeMetric(series(r, troughsOf(r)), OPTIONS);
      assert.equal(v.verdict, 'leak', v.reason);
      assert.ok(v.perOp !== null && Math.abs(v.perOp - 1024) < 0.15 * 1024, `${v.perOp} B/op`);
    }
  });
});
