// A real C broker (Debian's Mosquitto) that does not leak under either scenario: PASS, exit 0.
// One --quick run of both: a C broker's floors do not move at all (0 B/op [0, 0] at any length), so a short
// run is enough to PASS; what a default-length run detects on Mosquitto is asserted with a real C-level
// leak in verdict-c-leak.test.ts (health-check-churn at the defaults).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const SCENARIOS = ['health-check-churn', 'connect-churn'];

describe('Mosquitto', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => broker.stop());

  test(`${SCENARIOS.join(' and ')} (--quick): PASS, exit 0, with the process found from the port`, async () => {
    const result = await runCli(['run', '--quick', ...SCENARIOS, '--broker', broker.url, '--no-html', '--quiet']);
    const summary = result.report?.scenarios.flatMap((s) => s.metrics.map((m) => `${s.name}/${m.name}: ${m.verdict} ${m.reason}`)).join('\n');
    assert.equal(result.code, 0, summary ?? result.stderr);
    assert.equal(result.report?.target?.pid, broker.pid, 'found the broker from its port');
    assert.equal(result.report?.target?.kind, 'found-by-port');
    assert.deepEqual(result.report?.scenarios.map((s) => s.name), SCENARIOS);
    for (const report of result.report?.scenarios ?? []) {
      assert.equal(report.verdict, 'pass', report.name);
      assert.equal(report.failures, 0, report.name);
      const measured = report.cycles.filter((cycle) => !cycle.warmup);
      assert.ok(measured.length >= 6 && measured.every((cycle) => cycle.operations > 0), `${report.name}: every measured cycle ran`);
      for (const metric of report.metrics) assert.equal(metric.verdict, 'pass', `${report.name}/${metric.name}: ${metric.reason}`);
    }
  });
});

