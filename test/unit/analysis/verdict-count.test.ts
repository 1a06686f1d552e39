import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { judgeMetric, type JudgeOptions, type MetricVerdict } from '../../../src/analysis/index.js';
import { countSeries, type CountSeriesOptions } from '../../helpers/synthetic.js';

const options: JudgeOptions = { thresholdPerOp: 0.01, alpha: 0.05, opsPerSecond: 2000 };

function sweep(
  extra: Omit<CountSeriesOptions, 'seed'>,
  seeds = 30,
  closing = [0, 0.15, 0.3],
  cycles = [8, 12, 24],
): MetricVerdict[] {
  const out: MetricVerdict[] = [];
  for (const closingProb of closing)
    for (const measuredCycles of cycles)
      for (let seed = 1; seed <= seeds; seed++)
        out.push(judgeMetric(countSeries({ seed, closingProb, measuredCycles, ...extra }), options));
  return out;
}

const leaks = (vs: MetricVerdict[]): number => vs.filter((v) => v.verdict === 'leak').length;

describe('count verdict (fds, threads)', () => {
  it('PASS when the count returns to its post-warm-up level, even with connections still closing (±1)', () => {
    const vs = sweep({});
    assert.equal(vs.filter((v) => v.verdict === 'pass' && v.reasonCode === 'flat').length, vs.length);
  });
  it('PASS after a pool grew during the warm-up', () => {
    const vs = sweep({ warmupRise: 8 });
    assert.equal(vs.filter((v) => v.verdict === 'pass').length, vs.length);
  });
  it('LEAK when the idle count rises by 1 per 2,000 ops (1 per cycle) or faster', () => {
    for (const leakEveryOps of [200, 500, 2000]) {
      const vs = sweep({ leakEveryOps });
      assert.equal(leaks(vs), vs.length, `1 per ${leakEveryOps} ops`);
    }
  });
  it('LEAK on a slower rise (1 per 4,000 ops) once the run is long enough to see 3 units', () => {
    const vs = sweep({ leakEveryOps: 4000 }, 30, [0, 0.15, 0.3], [12, 24]);
    assert.ok(leaks(vs) >= 0.95 * vs.length, `${leaks(vs)}/${vs.length}`);
  });
  it('a rise too slow to show in a short run is INCONCLUSIVE or within tolerance, never a LEAK', () => {
    const vs = sweep({ leakEveryOps: 20000 }, 30, [0], [8, 12]);
    assert.equal(leaks(vs), 0);
    const under = judgeMetric(countSeries({ seed: 1, leakEveryOps: 8000, measuredCycles: 12 }), options);
    assert.equal(under.verdict, 'inconclusive');
    assert.equal(under.reasonCode, 'underpowered');
    assert.ok(under.cyclesNeeded !== null && under.cyclesNeeded > 12);
  });
  it('never LEAK on a one-off jump; reported as a step', () => {
    for (const size of [1, 2, 4, 10]) {
      const vs = sweep({ step: { size, atMeasuredCycle: 4 } });
      assert.equal(leaks(vs), 0, `step of ${size}`);
    }
    const v = judgeMetric(countSeries({ seed: 1, step: { size: 4, atMeasuredCycle: 6 } }), options);
    assert.equal(v.reasonCode, 'step');
    assert.deepEqual(v.step, { atCycle: 9, size: 4 });
  });
  it('transient: rose under load, back to the level after recovery', () => {
    const vs = sweep({ leakEveryOps: 1000, returnsInRecovery: true });
    assert.equal(vs.filter((v) => v.verdict === 'inconclusive' && v.reasonCode === 'transient').length, vs.length);
  });
  it('reports the rise in words and figures', () => {
    const v = judgeMetric(countSeries({ seed: 2, leakEveryOps: 2000, metric: 'threads', unit: 'threads' }), options);
    assert.equal(v.verdict, 'leak');
    assert.equal(v.kind, 'count');
    assert.ok(v.perOp !== null && Math.abs(v.perOp - 1 / 2000) < 1e-4);
    assert.ok(v.perHour !== null && Math.abs(v.perHour - v.perOp * 2000 * 3600) < 1e-6);
    assert.match(v.reason, /threads/);
    assert.ok(v.recovery !== null && !v.recovery.returned);
  });
  it('a LEAK needs the rise to stay after recovery; a partial return is not a leak', () => {
    const s = countSeries({ seed: 3, leakEveryOps: 2000 });
    const back = judgeMetric({ ...s, recoveryFloor: (s.recoveryFloor as number) - 10 }, options);
    assert.notEqual(back.verdict, 'leak');
    const none = judgeMetric({ ...s, recoveryFloor: null }, options);
    assert.equal(none.verdict, 'leak');
  });
  it('data: the PID changed', () => {
    const s = countSeries({ seed: 1, leakEveryOps: 500 });
    const v = judgeMetric({ ...s, issues: [{ code: 'pid-changed', detail: 'restarted' }] }, options);
    assert.equal(v.reasonCode, 'data');
  });
});
