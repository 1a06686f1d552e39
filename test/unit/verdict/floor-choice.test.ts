// Which floors the run judges memory on: settle floors with a forced collection or without collections in
// the data; settle floors and post-GC troughs, combined, when an uncollected broker collects.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { MetricSeries } from '../../../src/analysis/index.js';
import type { CycleReport } from '../../../src/core/report-model.js';
import { floorNote, judgeWithFloorViews, troughViews } from '../../../src/verdict/floor-choice.js';
import type { Sample } from '../../../src/core/metrics.js';
import { cycledGcSeries } from '../../helpers/synthetic.js';

const MB = 1024 * 1024;
const OPTIONS = { thresholdPerOp: 64, alpha: 0.05 / 4, opsPerSecond: 2000 };

function recorded(
  gcForced: boolean,
  garbagePerOp: number,
  leakPerOp = 0,
): { cycles: CycleReport[]; samples: Sample[]; series: MetricSeries } {
  const r = cycledGcSeries({
    seed: 7,
    cycles: 15,
    opsPerCycle: 5000,
    loadMs: 2500,
    settleMs: 2000,
    sampleMs: 100,
    gcEveryOps: 2400,
    garbagePerOp,
    leakPerOp,
    noise: 0.2 * MB,
    jitter: 0.1,
  });
  const samples: Sample[] = r.ts.map((t, i) => ({ t, lateMs: 0, values: { 'proc.rss': r.values[i] as number } }));
  const cycles: CycleReport[] = r.cycles.map((c, index) => {
    const settle = r.values
      .filter((_, i) => (r.ts[i] as number) >= (c.loadEndMs + c.endMs) / 2 && (r.ts[i] as number) <= c.endMs)
      .sort((a, b) => a - b);
    return {
      index,
      warmup: index < 3,
      startMs: c.startMs,
      loadEndMs: c.loadEndMs,
      endMs: c.endMs,
      operations: c.operations,
      cumulativeOps: c.cumulativeOps,
      failures: 0,
      failureKinds: {},
      gcForced,
      floors: { 'proc.rss': settle[1] as number },
    };
  });
  const series: MetricSeries = {
    metric: 'proc.rss',
    kind: 'bytes',
    unit: 'B',
    cycles: cycles.map((c) => ({
      index: c.index,
      warmup: c.warmup,
      cumulativeOps: c.cumulativeOps,
      floor: c.floors['proc.rss'] ?? null,
      endMs: c.endMs,
    })),
    baselineFloor: null,
    recoveryFloor: r.values.at(-1) ?? null,
    issues: [],
  };
  return { cycles, samples, series };
}

describe('floor choice', () => {
  it('a collection forced before every floor: settle floors only, at the full budget', () => {
    const { cycles, samples, series } = recorded(true, 12_000);
    const views = troughViews(cycles, samples, () => 64, null);
    assert.equal(views.gcForced, true);
    const j = judgeWithFloorViews(series, OPTIONS, views);
    assert.equal(j.method.kind, 'settle');
    assert.equal(j.method.gcForced, true);
    assert.equal(j.method.other, null);
    assert.equal(j.floors, null);
    assert.equal(floorNote(j.method), '');
  });
  it('no collection forced and none in the data (a C broker): settle floors, saying why', () => {
    const { cycles, samples, series } = recorded(false, 0, 256);
    const j = judgeWithFloorViews(
      series,
      OPTIONS,
      troughViews(cycles, samples, () => 64, null),
    );
    assert.equal(j.method.kind, 'settle');
    assert.equal(j.method.other, null);
    assert.match(j.method.why, /no collections/);
    assert.equal(j.judged.verdict, 'leak');
  });
  it('no collection forced, collections in the data: both views judged, the troughs decide on a clean broker', () => {
    const { cycles, samples, series } = recorded(false, 12_000);
    const views = troughViews(cycles, samples, () => 64, {
      startMs: cycles.at(-1)?.endMs ?? 0,
      endMs: (cycles.at(-1)?.endMs ?? 0) + 5000,
    });
    const j = judgeWithFloorViews(series, OPTIONS, views);
    assert.notEqual(j.judged.verdict, 'leak');
    assert.equal(j.method.kind, 'trough', j.method.why);
    assert.ok(j.method.other !== null && j.method.other.kind === 'settle');
    assert.ok(j.floors !== null && j.floors.length === cycles.length);
    assert.ok(j.method.gcPeriodOps !== null && Math.abs(j.method.gcPeriodOps - 2400) < 400);
    assert.match(floorNote(j.method), /post-GC troughs/);
  });
});
