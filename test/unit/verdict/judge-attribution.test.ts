// Per-site judging on seeded synthetic series (test/helpers/synthetic.ts): the site that leaks is ranked first and
// judged LEAK, the reported sites explain the RSS slope, a clean run reports no site above δ.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CycleReport } from '../../../src/core/report-model.js';
import type { MetricSeries } from '../../../src/core/verdict-types.js';
import {
  EXPLAINED_SHARE_TARGET,
  judgeSites,
  MAX_REPORTED_SITES,
  type SiteSeries,
} from '../../../src/verdict/judge-attribution.js';
import { bytesSeries, type BytesShape } from '../../helpers/synthetic.js';

const DELTA = 64;
const NOISE = 200;

function cyclesOf(series: MetricSeries): CycleReport[] {
  return series.cycles.map((cycle) => ({
    index: cycle.index,
    warmup: cycle.warmup,
    startMs: cycle.endMs - 1000,
    loadEndMs: cycle.endMs - 500,
    endMs: cycle.endMs,
    operations: 2000,
    cumulativeOps: cycle.cumulativeOps,
    failures: 0,
    failureKinds: {},
    gcForced: false,
    floors: {},
  }));
}

function site(label: string, seed: number, shapes: BytesShape[]): SiteSeries {
  const series = bytesSeries({ seed, shapes, noise: NOISE, base: 1_000_000 });
  return {
    key: label,
    label,
    frames: [`${label} (broker.c:1) in broker`, 'main in broker'],
    symbolized: true,
    floors: series.cycles.map((cycle) => cycle.floor ?? 0),
    baseline: series.baselineFloor,
    recovery: series.recoveryFloor,
  };
}

test('a leaking site is ranked first, judged LEAK, and the sites explain at least 80 % of the RSS slope', () => {
  const leak = site('retain_store', 1, [{ kind: 'leak', bytesPerOp: 150 }]);
  const small = site('topic_cache', 2, [{ kind: 'leak', bytesPerOp: 10 }]);
  const flat = site('config', 3, [{ kind: 'flat' }]);
  const cycles = cyclesOf(bytesSeries({ seed: 1, shapes: [{ kind: 'flat' }], noise: 0 }));
  const judged = judgeSites({
    cycles,
    sites: [flat, small, leak],
    thresholdPerOp: DELTA,
    opsPerSecond: 1000,
    rssBytesPerOp: 170,
  });
  const top = judged.sites[0];
  assert.equal(top?.label, 'retain_store');
  assert.equal(top?.verdict, 'leak', top?.reason);
  assert.ok(top?.bytesPerOp !== null && Math.abs((top?.bytesPerOp ?? 0) - 150) < 15, `${top?.bytesPerOp}`);
  assert.ok((judged.explainedShare ?? 0) >= EXPLAINED_SHARE_TARGET, `explained ${judged.explainedShare}`);
  assert.ok(!judged.sites.some((entry) => entry.label === 'config'), 'a flat site earns no line');
  assert.equal(judged.sites[0]?.rank, 1);
});

test('a clean run reports no site above δ', () => {
  const sites = [1, 2, 3, 4, 5].map((seed) => site(`site${seed}`, seed, [{ kind: 'flat' }]));
  const cycles = cyclesOf(bytesSeries({ seed: 1, shapes: [{ kind: 'flat' }], noise: 0 }));
  const judged = judgeSites({ cycles, sites, thresholdPerOp: DELTA, opsPerSecond: 1000, rssBytesPerOp: 0.5 });
  assert.ok(
    judged.sites.every((entry) => entry.verdict !== 'leak'),
    JSON.stringify(judged.sites.map((s) => s.verdict)),
  );
  assert.ok(judged.sites.length <= MAX_REPORTED_SITES);
});

test('a cache that fills and stops is not called a leak', () => {
  const cache = site('cache_fill', 7, [{ kind: 'saturating', amplitude: 400_000, fillCycles: 4 }]);
  const cycles = cyclesOf(bytesSeries({ seed: 1, shapes: [{ kind: 'flat' }], noise: 0 }));
  const judged = judgeSites({ cycles, sites: [cache], thresholdPerOp: DELTA, opsPerSecond: 1000, rssBytesPerOp: null });
  assert.ok(judged.sites.every((entry) => entry.verdict !== 'leak'));
  assert.equal(judged.explainedShare, null, 'no RSS slope: nothing to explain');
});
