import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  combineFloorViews,
  judgeMetric,
  lowFloor,
  planTroughFloors,
  troughFloors,
  type CycleFloor,
  type MetricVerdict,
  type Verdict,
} from '../../../src/analysis/index.js';
import { cycledGcSeries } from '../../helpers/synthetic.js';

const MB = 1024 * 1024;

function verdict(v: Verdict, ci: [number, number], perOp = (ci[0] + ci[1]) / 2): MetricVerdict {
  return {
    metric: 'rss',
    kind: 'bytes',
    unit: 'B',
    verdict: v,
    reasonCode: v === 'leak' ? 'growth' : v === 'pass' ? 'flat' : 'underpowered',
    reason: v,
    perOp,
    ci,
    perHour: null,
    minDetectablePerOp: (ci[1] - ci[0]) / 2,
    thresholdPerOp: 64,
    cyclesUsed: 12,
    cyclesDropped: 3,
    cyclesNeeded: null,
    persistence: null,
    recovery: null,
    step: null,
  };
}

describe('combineFloorViews', () => {
  const pass = verdict('pass', [-20, 40]);
  const widePass = verdict('pass', [-50, 60]);
  const leak = verdict('leak', [900, 1500]);
  const unsure = verdict('inconclusive', [-300, 400]);
  it('two PASSes: the narrower interval', () => {
    assert.deepEqual(combineFloorViews(widePass, pass), { view: 'trough', verdict: pass });
    assert.deepEqual(combineFloorViews(pass, widePass), { view: 'settle', verdict: pass });
  });
  it('a PASS of either view is PASS; a settle LEAK is LEAK', () => {
    assert.deepEqual(combineFloorViews(unsure, pass), { view: 'trough', verdict: pass });
    assert.deepEqual(combineFloorViews(pass, unsure), { view: 'settle', verdict: pass });
    assert.deepEqual(combineFloorViews(leak, unsure), { view: 'settle', verdict: leak });
    assert.deepEqual(combineFloorViews(leak, leak), { view: 'settle', verdict: leak });
  });
  it('a trough LEAK never stands alone: troughs can carry garbage a major collection has not reached yet', () => {
    assert.deepEqual(combineFloorViews(unsure, leak), { view: 'settle', verdict: unsure });
    assert.deepEqual(combineFloorViews(pass, leak), { view: 'settle', verdict: pass });
  });
  it('settle LEAK against trough PASS: INCONCLUSIVE data, naming both and --gc-cmd', () => {
    const c = combineFloorViews(leak, pass);
    assert.equal(c.verdict.verdict, 'inconclusive');
    assert.equal(c.verdict.reasonCode, 'data');
    assert.match(c.verdict.reason, /disagree/);
    assert.match(c.verdict.reason, /--gc-cmd/);
  });
});

describe('both views on a GC sawtooth nobody collects', () => {
  const alpha = 0.05 / 4;
  const options = { thresholdPerOp: 64, alpha, opsPerSecond: 2000 };
  function judgeBoth(seed: number, leakPerOp: number, gcEveryOps: number): Verdict {
    const r = cycledGcSeries({
      seed,
      cycles: 15,
      opsPerCycle: 5000,
      loadMs: 2500,
      settleMs: 2000,
      sampleMs: 100,
      gcEveryOps,
      garbagePerOp: 12_000,
      leakPerOp,
      noise: 0.2 * MB,
      jitter: 0.1,
    });
    const series = (floors: (number | null)[]) => {
      const cycles: CycleFloor[] = r.cycles.map((c, i) => ({
        index: i,
        warmup: i < 3,
        cumulativeOps: c.cumulativeOps,
        floor: floors[i] ?? null,
        endMs: c.endMs,
      }));
      return {
        metric: 'rss',
        kind: 'bytes' as const,
        unit: 'B',
        cycles,
        baselineFloor: null,
        recoveryFloor: r.values.at(-1) ?? null,
        issues: [],
      };
    };
    const settle = r.cycles.map((c) =>
      lowFloor(
        r.values.filter((_, i) => (r.ts[i] as number) >= (c.loadEndMs + c.endMs) / 2 && (r.ts[i] as number) <= c.endMs),
      ),
    );
    const plan = planTroughFloors(r.cycles, r.ts, r.values, 12, 64 * 5000);
    assert.ok(plan.windowCycles !== null, plan.why);
    const troughs = troughFloors(r.cycles, r.ts, r.values, plan.windowCycles);
    return combineFloorViews(judgeMetric(series(settle), options), judgeMetric(series(troughs), options)).verdict
      .verdict;
  }
  it('no leak: never LEAK, PASS in most runs', () => {
    const verdicts = [];
    for (const gcEveryOps of [1500, 2400, 4000])
      for (let seed = 1; seed <= 20; seed++) verdicts.push(judgeBoth(300 + seed, 0, gcEveryOps));
    assert.equal(verdicts.filter((v) => v === 'leak').length, 0);
    assert.ok(verdicts.filter((v) => v === 'pass').length >= 0.6 * verdicts.length, verdicts.join(' '));
  });
  it(
    '1 KB per operation: never PASS, LEAK in most runs (on the settle floors: the troughs ' + 'may not say LEAK alone)',
    () => {
      const verdicts = [];
      for (let seed = 1; seed <= 20; seed++) verdicts.push(judgeBoth(400 + seed, 1024, 2400));
      assert.equal(verdicts.filter((v) => v === 'pass').length, 0);
      assert.ok(verdicts.filter((v) => v === 'leak').length >= 0.5 * verdicts.length, verdicts.join(' '));
    },
  );
});
