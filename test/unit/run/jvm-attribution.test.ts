// JVM classes judged like RSS: histograms at the floors (the real JDK 17 histogram of test/fixtures/jvm, its
// Hold$HAConnection row grown by one instance per operation) through the RSS engine, compared with jvm.heapUsed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ClassHistogramSession } from '../../../src/attribute/class-histogram-session.js';
import type { AttributionReport, RunReport, ScenarioReport } from '../../../src/core/report-model.js';
import { JVM_REFERENCE_METRIC, jvmAttribution } from '../../../src/run/jvm-attribution.js';
import { REPO_ROOT } from '../../helpers/brokers.js';

const REAL = readFileSync(path.join(REPO_ROOT, 'test/fixtures/jvm/class-histogram.txt'), 'utf8');
const plain = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test/fixtures/reports/quick-leak.json'), 'utf8'),
) as RunReport;
const HELD = 5000;
/** Hold$HAConnection's shallow size on JDK 17 (the fixture: 80000 bytes for 5000). */
const INSTANCE_BYTES = 16;

/** The real histogram with Hold$HAConnection at `count` instances. */
function histogram(count: number): string {
  return REAL.replace(/^(\s*\d+:\s+)5000(\s+)80000(\s+Hold\$HAConnection)/m, `$1${count}$2${count * INSTANCE_BYTES}$3`);
}

/** A real scenario report, its heap after GC growing by one HAConnection per operation. */
function scenarioWithHeap(): ScenarioReport {
  const scenario = plain.scenarios[0] as ScenarioReport;
  const rss = scenario.metrics[0] as ScenarioReport['metrics'][number];
  const heap = { ...rss, name: JVM_REFERENCE_METRIC, bytesPerOp: INSTANCE_BYTES, thresholdPerOp: INSTANCE_BYTES / 2 };
  return { ...scenario, metrics: [heap, ...scenario.metrics] };
}

const base = (): AttributionReport => ({
  tool: 'jcmd-class-histogram',
  status: 'ok',
  note: '',
  verdictOfRecord: 'instrumented',
  opsPerSecond: { instrumented: null, plain: null },
  rssBytesPerOp: null,
  explainedShare: null,
  sitesJudged: 0,
  sites: [],
  hints: [],
});

test('the class that gains one instance per operation is the top site, LEAK, against the heap after GC', async () => {
  const scenario = scenarioWithHeap();
  const texts = [
    histogram(HELD),
    ...scenario.cycles.map((cycle) => histogram(HELD + cycle.cumulativeOps)),
    histogram(HELD + (scenario.cycles.at(-1)?.cumulativeOps ?? 0)),
  ];
  const session = new ClassHistogramSession(async () => texts.shift() ?? '');
  await session.atFloor({ scenario: 0, phase: 'baseline', cycle: null });
  for (const cycle of scenario.cycles) await session.atFloor({ scenario: 0, phase: 'cycle', cycle: cycle.index });
  await session.atFloor({ scenario: 0, phase: 'recovery', cycle: null });
  const [report] = jvmAttribution(session, [scenario], base);
  const attribution = report?.attribution;
  assert.equal(attribution?.status, 'ok', attribution?.note);
  assert.equal(attribution.referenceMetric, JVM_REFERENCE_METRIC);
  assert.equal(attribution.rssBytesPerOp, INSTANCE_BYTES);
  assert.equal(attribution.snapshots, scenario.cycles.length + 2);
  const top = attribution.sites[0];
  assert.equal(top?.label, 'Hold$HAConnection');
  assert.equal(top.verdict, 'leak', top.reason);
  assert.equal(top.bytesPerOp, INSTANCE_BYTES);
  assert.equal(top.instancesPerOp, 1);
  assert.equal(top.liveCount, HELD + (scenario.cycles.at(-1)?.cumulativeOps ?? 0));
  assert.equal(top.shareOfRss, 1);
  assert.equal(attribution.sites.length, 1, 'nothing else grew');
});

test('a histogram that fails midway: attribution failed with the reason, no sites', async () => {
  const scenario = scenarioWithHeap();
  let calls = 0;
  const session = new ClassHistogramSession(async () => {
    calls++;
    if (calls > 3) throw new Error('jcmd 42 GC.class_histogram: exit 1: Unable to open socket file');
    return histogram(HELD);
  });
  await session.atFloor({ scenario: 0, phase: 'baseline', cycle: null });
  for (const cycle of scenario.cycles) await session.atFloor({ scenario: 0, phase: 'cycle', cycle: cycle.index });
  assert.equal(calls, 4, 'no histogram is asked for after the first failure');
  const attribution = jvmAttribution(session, [scenario], base)[0]?.attribution;
  assert.equal(attribution?.status, 'failed');
  assert.match(attribution.note, /class histogram at the cycle floor of cycle 3: .*Unable to open socket file/);
  assert.match(attribution.note, /the verdict stands/);
  assert.deepEqual(attribution.sites, []);
});
