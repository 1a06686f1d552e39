// Narrowing's orchestration with a stand-in for the reruns (the real ones run in
// test/integration/families-narrowing.test.ts): which runs it makes, what it reports, the repro file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { FamilyReport, MetricReport, ScenarioReport } from '../../../src/core/report-model.js';
import { narrowLeak } from '../../../src/run/narrow.js';
import { loadScenario, type Scenario } from '../../../src/scenario/load-scenario.js';

const rss = (perOp: number, verdict: MetricReport['verdict']): MetricReport =>
  ({ name: 'proc.rss', unit: 'B', verdict, perOp, ci: [perOp - 10, perOp + 10] }) as MetricReport;

const family = (name: string, verdict: FamilyReport['verdict'], low: number): FamilyReport => ({
  name,
  verdict,
  cycles: 2,
  operations: 2000,
  metrics: [
    {
      name: 'proc.rss',
      unit: 'B',
      verdict,
      reasonCode: verdict === 'leak' ? 'growth' : 'flat',
      reason: '',
      perOp: low + 10,
      ci: [low, low + 20],
      thresholdPerOp: 64,
      cyclesUsed: 2,
      growingCycles: verdict === 'leak' ? 2 : 0,
    },
  ],
});

/** A rerun that leaks when `leaks(params)` says so, answering `answer`. */
function fakeRuns(leaks: (scenario: Scenario) => boolean, answer: string) {
  const runs: Scenario[] = [];
  let clock = 0;
  return {
    runs,
    now: () => clock,
    runScenario: async (scenario: Scenario): Promise<ScenarioReport> => {
      runs.push(scenario);
      clock += 30_000;
      const leak = leaks(scenario);
      return {
        verdict: leak ? 'leak' : 'pass',
        metrics: [rss(leak ? 180 : 0, leak ? 'leak' : 'pass')],
        answers: { [scenario.name]: { [answer]: 1000 } },
      } as unknown as ScenarioReport;
    },
  };
}

test('rejected-connect: the LEAK family with the largest lower bound is rerun alone; one case, done', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-narrow-'));
  try {
    const scenario = await loadScenario('rejected-connect', false);
    const report = {
      verdict: 'leak',
      families: [
        family('bad-password+will', 'leak', 150),
        family('no-credentials+will', 'leak', 160),
        family('bad-password', 'pass', -10),
      ],
    } as unknown as ScenarioReport;
    const fake = fakeRuns(() => true, 'connack-0x05');
    const narrowing = await narrowLeak(scenario, report, { capMs: 300_000, reproDir: dir, ...fake });
    assert.equal(narrowing?.outcome, 'case');
    assert.equal(narrowing?.family, 'no-credentials+will');
    assert.equal(fake.runs.length, 1, 'a family of one case: one rerun');
    assert.equal(fake.runs[0]?.params.variant, 'no-credentials');
    assert.equal(fake.runs[0]?.params.will, 'with');
    assert.equal(fake.runs[0]?.params.cycles, 8);
    assert.equal(narrowing?.case?.id, 'no-credentials+will');
    assert.deepEqual(narrowing?.case?.answers, { 'connack-0x05': 1000 });
    assert.equal(narrowing?.case?.perOp, 180);
    assert.match(narrowing?.case?.bytesHex ?? '', /^10/);
    assert.ok(narrowing?.reproFile?.startsWith(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('health-check-churn garbage: family, then its cases one by one until one leaks alone', async () => {
  const scenario = await loadScenario('health-check-churn', false);
  const report = {
    verdict: 'leak',
    families: [family('garbage', 'leak', 100), family('close', 'pass', -5)],
  } as unknown as ScenarioReport;
  const fake = fakeRuns((run) => run.params.garbage === 'all' || run.params.garbage === 'tls-client-hello', 'closed');
  const narrowing = await narrowLeak(scenario, report, { capMs: 300_000, reproDir: null, ...fake });
  assert.equal(narrowing?.outcome, 'case');
  assert.equal(narrowing?.case?.id, 'garbage:tls-client-hello');
  assert.deepEqual(
    narrowing?.tries.map((entry) => entry.caseId ?? 'family'),
    ['family', 'garbage:http-get', 'garbage:tls-client-hello'],
  );
  assert.equal(narrowing?.reproFile, null, 'no repro dir: no file');
});

test('the cap stops it; a leak in every family is not narrowed', async () => {
  const scenario = await loadScenario('health-check-churn', false);
  const report = {
    verdict: 'leak',
    families: [family('garbage', 'leak', 100), family('close', 'pass', -5)],
  } as unknown as ScenarioReport;
  const fake = fakeRuns((run) => run.params.garbage === 'all', 'closed');
  const narrowing = await narrowLeak(scenario, report, { capMs: 50_000, reproDir: null, ...fake });
  assert.equal(narrowing?.outcome, 'out-of-time');
  assert.equal(fake.runs.length, 1);
  const everywhere = {
    verdict: 'leak',
    families: [family('garbage', 'leak', 100), family('close', 'leak', 90)],
    metrics: [rss(110, 'leak')],
  } as unknown as ScenarioReport;
  assert.equal(await narrowLeak(scenario, everywhere, { capMs: 300_000, reproDir: null, ...fake }), null);
});
