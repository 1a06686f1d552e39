// Soak runs (--soak): one continuous load, floors read as window minima with the window sized from the
// GC period the samples show. The broker is the fixture (Aedes) on plain node with nobody collecting
// its garbage (no GC timer, no --gc-cmd): the case soak mode is for. With a leak of 2 KB per connection
// a one-minute soak says LEAK; without it, never LEAK. docs/verdicts.md ("Soak runs") gives the measured runs.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { MetricReport, RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { startUncollectedFixtureBroker, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const SCENARIO = 'connect-churn';
/** Long enough for ≥ 6 windows at the GC periods the fixture shows under this load (2–5 s), short for CI. */
const SOAK = '60s';
/** 2 KB per connection: one session's worth of buffers; well above δ (64 B) and above what a minute can resolve. */
const LEAK_BYTES = 2048;
/** Short idle phases and 1,000-operation batches (--quick); no silent keepalive clients, so the load is continuous. */
const ARGS = ['--quick', '--set', 'keepaliveExpiryShare=0'];

function scenarioOf(report: RunReport | null): ScenarioReport {
  const scenario = report?.scenarios[0];
  assert.ok(scenario !== undefined, 'the report has the scenario');
  return scenario;
}

function memory(scenario: ScenarioReport): MetricReport[] {
  const metrics = scenario.metrics.filter((metric) => metric.kind === 'bytes');
  assert.ok(metrics.length >= 1, 'memory was judged');
  return metrics;
}

function describeRun(report: RunReport | null): string {
  const scenario = report?.scenarios[0];
  if (scenario === undefined) return 'no report';
  const head =
    `${scenario.soak?.why ?? 'no soak'}; ${scenario.cycles.length} windows, ` +
    `${Math.round(scenario.opsPerSecond ?? 0)} ops/s`;
  return [
    head,
    ...scenario.metrics.map(
      (m) =>
        `${m.name}: ${m.verdict} (${m.reasonCode}) ${m.perOp?.toFixed(2)} per op ` +
        `[${m.ci?.map((v) => v.toFixed(2)).join(', ')}]`,
    ),
  ].join('\n');
}

function assertSoakShape(scenario: ScenarioReport): void {
  assert.equal(scenario.mode, 'soak');
  assert.ok(scenario.soak !== undefined);
  assert.ok(scenario.soak.windowMs > 0);
  assert.ok(['gc-period', 'fallback'].includes(scenario.soak.windowChoice));
  assert.ok(
    scenario.soak.loadMs >= scenario.soak.durationMs * 0.9,
    `load ran ${scenario.soak.loadMs} ms of ${scenario.soak.durationMs}`,
  );
  assert.deepEqual(
    scenario.phases.map((phase) => phase.name),
    ['baseline', 'warmup', 'measured', 'recovery'],
  );
  // Windows laid end to end over the measured load, with the operations growing.
  for (let k = 1; k < scenario.cycles.length; k++)
    assert.ok((scenario.cycles[k]?.cumulativeOps ?? 0) > (scenario.cycles[k - 1]?.cumulativeOps ?? 0));
}

describe(`--soak ${SOAK} on the Aedes fixture, nobody collecting its garbage`, () => {
  let broker: TestBroker | undefined;
  after(async () => broker?.stop());

  test(`a leak of ${LEAK_BYTES} B per connection is LEAK`, async (t) => {
    broker = await startUncollectedFixtureBroker(['--leak-per-connection', String(LEAK_BYTES)]);
    const result = await runCli([
      'run',
      SCENARIO,
      '--soak',
      SOAK,
      '--broker',
      broker.url,
      '--pid',
      String(broker.pid),
      ...ARGS,
    ]);
    await broker.stop();
    t.diagnostic(describeRun(result.report));
    const scenario = scenarioOf(result.report);
    assertSoakShape(scenario);
    assert.equal(result.code, 1, describeRun(result.report));
    const leaks = memory(scenario).filter((metric) => metric.verdict === 'leak');
    assert.ok(leaks.length >= 1, describeRun(result.report));
    for (const metric of leaks) assert.ok(metric.ci !== null && metric.ci[0] > metric.thresholdPerOp, metric.reason);
  });

  test('the same broker without the leak is never LEAK', async (t) => {
    broker = await startUncollectedFixtureBroker(['--leak-per-connection', '0']);
    const result = await runCli([
      'run',
      SCENARIO,
      '--soak',
      SOAK,
      '--broker',
      broker.url,
      '--pid',
      String(broker.pid),
      ...ARGS,
    ]);
    await broker.stop();
    t.diagnostic(describeRun(result.report));
    const scenario = scenarioOf(result.report);
    assertSoakShape(scenario);
    assert.notEqual(result.code, 1, describeRun(result.report));
    for (const metric of scenario.metrics) assert.notEqual(metric.verdict, 'leak', metric.reason);
    // An INCONCLUSIVE memory verdict that is underpowered says how many minutes would settle it.
    for (const metric of memory(scenario)) {
      if (metric.reasonCode === 'underpowered') assert.ok((metric.minutesNeeded ?? 0) >= 1, metric.reason);
    }
  });

  test('a bad --soak value is a one-line usage error (exit 64), before any connection', async () => {
    for (const bad of ['5s', 'soon', '9d']) {
      const result = await runCli(['run', SCENARIO, '--soak', bad]);
      assert.equal(result.code, 64, result.stderr);
      assert.match(result.stderr, new RegExp(`^mqleak: --soak ${bad}: not a soak duration\\n  hint: `));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
