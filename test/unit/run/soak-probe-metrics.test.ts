// The soak judge judges what the probes offer, as the cycle judge does: a `sys.heap` that grows per
// operation is judged (LEAK) beside a flat `proc.rss` (PASS), and a probe's failures reach its metric.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CycleReport } from '../../../src/core/report-model.js';
import { judgeSoakScenario } from '../../../src/verdict/judge-soak-scenario.js';
import type { SoakRecording } from '../../../src/run/soak-scenario.js';
import { METRICS, type MetricInfo, type Sample } from '../../../src/core/metrics.js';
import { loadScenario } from '../../../src/scenario/load-scenario.js';
import { emptyProtocolFacts } from '../../../src/patterns/shared/protocol-facts.js';

const SYS_HEAP: MetricInfo = { name: 'sys.heap', kind: 'bytes', unit: 'B', judged: true, description: '$SYS heap' };
const SYS_CLIENTS: MetricInfo = {
  name: 'sys.clients',
  kind: 'count',
  unit: 'connections',
  judged: false,
  description: 'recorded',
};
const LOAD_MS = 300_000;
const BATCH_MS = 1_000;
const OPS_PER_BATCH = 500;
const SAMPLE_MS = 200;
/** sys.heap grows this much per operation: far above the 64 B δ; proc.rss is flat. */
const LEAK_PER_OP = 512;

/** A seeded LCG: the same noise every run. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
}

function recording(): { recording: SoakRecording; samples: Sample[] } {
  const loadStartMs = 1_000;
  const batches: CycleReport[] = [];
  for (let k = 0; k * BATCH_MS < LOAD_MS; k++) {
    const startMs = loadStartMs + k * BATCH_MS;
    batches.push({
      index: k,
      warmup: false,
      startMs,
      loadEndMs: startMs + BATCH_MS,
      endMs: startMs + BATCH_MS,
      operations: OPS_PER_BATCH,
      cumulativeOps: (k + 1) * OPS_PER_BATCH,
      failures: 0,
      failureKinds: {},
      gcForced: false,
      floors: {},
    });
  }
  const loadEndMs = loadStartMs + LOAD_MS;
  const rand = noise(7);
  const samples: Sample[] = [];
  for (let t = 0; t <= loadEndMs + 2_000; t += SAMPLE_MS) {
    const ops = Math.max(0, Math.min(LOAD_MS, t - loadStartMs)) * (OPS_PER_BATCH / BATCH_MS);
    samples.push({
      t,
      lateMs: 0,
      values: {
        'proc.rss': 8_000_000 + rand() * 4_096,
        'sys.heap': 50_000 + ops * LEAK_PER_OP + rand() * 4_096,
        'sys.clients': 3,
      },
    });
  }
  const last = samples.at(-1)?.values ?? {};
  return {
    samples,
    recording: {
      startMs: 0,
      endMs: loadEndMs + 2_000,
      phases: [],
      cycles: batches,
      baselineFloors: { 'proc.rss': 8_000_000, 'sys.heap': 50_000 },
      recoveryFloors: { 'proc.rss': last['proc.rss'] ?? 0, 'sys.heap': last['sys.heap'] ?? 0 },
      failureKinds: {},
      facts: emptyProtocolFacts(),
      error: null,
      soak: {
        durationMs: LOAD_MS,
        loadStartMs,
        warmupEndMs: loadStartMs + LOAD_MS * 0.2,
        loadEndMs,
        batches,
        recoveryGcForced: true,
        recoveryMinima: {},
      },
    },
  };
}

test('soak judges every judged probe metric the sampler offers, not only proc.*', async () => {
  const scenario = await loadScenario('connect-churn', true);
  const { recording: soak, samples } = recording();
  const missed = {
    code: 'missing-samples' as const,
    detail: 'probe sys (mqtt://127.0.0.1:1883 $SYS): 3 of 1500 readings failed; last: no $SYS value yet',
  };
  const judgement = judgeSoakScenario(scenario, soak, samples, [...METRICS, SYS_HEAP, SYS_CLIENTS], (metric) =>
    metric === 'sys.heap' ? [missed] : [],
  );
  const names = judgement.metrics.map((metric) => metric.name);
  assert.ok(names.includes('proc.rss') && names.includes('sys.heap'), `judged: ${names.join(', ')}`);
  assert.ok(!names.includes('sys.clients'), 'a recorded-only figure is not judged');
  const heap = judgement.metrics.find((metric) => metric.name === 'sys.heap');
  assert.equal(heap?.verdict, 'leak', `${heap?.verdict}: ${heap?.reason}`);
  assert.ok(
    heap?.perOp !== null && heap?.perOp !== undefined && Math.abs(heap.perOp - LEAK_PER_OP) < LEAK_PER_OP * 0.1,
    `≈${LEAK_PER_OP} B/op: ${heap?.perOp}`,
  );
  assert.equal(judgement.metrics.find((metric) => metric.name === 'proc.rss')?.verdict, 'pass');
  assert.ok(
    judgement.cycles.some((row) => row.floors['sys.heap'] !== undefined),
    "the windows carry the probe metric's minima",
  );
  assert.equal(judgement.verdict, 'leak');

  // The default metric list is proc's alone (callers that do not pass the sampler's metrics).
  assert.deepEqual(
    judgeSoakScenario(scenario, soak, samples).metrics.map((metric) => metric.name),
    ['proc.rss'],
  );
});

test('soak without any proc metric (a no-process run): the probe metrics alone are judged', async () => {
  const scenario = await loadScenario('connect-churn', true);
  const { recording: soak, samples } = recording();
  const probeOnly = samples.map((sample) => ({ ...sample, values: { 'sys.heap': sample.values['sys.heap'] } }));
  const judgement = judgeSoakScenario(scenario, soak, probeOnly, [SYS_HEAP]);
  assert.deepEqual(
    judgement.metrics.map((metric) => metric.name),
    ['sys.heap'],
  );
  assert.equal(judgement.metrics[0]?.verdict, 'leak');
});

test(
  "a probe's issue reaches its own metric only: a serious one makes it INCONCLUSIVE (data), " + 'the others unchanged',
  async () => {
    const scenario = await loadScenario('connect-churn', true);
    const { recording: soak, samples } = recording();
    const broken = { code: 'probe-error' as const, detail: 'probe sys: the $SYS subscriber was disconnected' };
    const judgement = judgeSoakScenario(scenario, soak, samples, [...METRICS, SYS_HEAP], (metric) =>
      metric === 'sys.heap' ? [broken] : [],
    );
    const heap = judgement.metrics.find((metric) => metric.name === 'sys.heap');
    assert.equal(heap?.verdict, 'inconclusive');
    assert.equal(heap?.reasonCode, 'data', heap?.reason);
    assert.equal(judgement.metrics.find((metric) => metric.name === 'proc.rss')?.verdict, 'pass');
  },
);
