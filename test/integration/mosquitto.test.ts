// A real C broker (Debian's Mosquitto) that does not leak under either scenario: PASS, exit 0.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

describe('Mosquitto', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => broker.stop());

  for (const scenario of ['health-check-churn', 'connect-churn']) {
    test(`${scenario}: PASS, exit 0, with the process found from the port`, async () => {
      const result = await runCli(['run', scenario, '--broker', broker.url]);
      const summary = result.report?.scenarios.flatMap((s) => s.metrics.map((m) => `${m.name}: ${m.verdict} ${m.reason}`)).join('\n');
      assert.equal(result.code, 0, summary ?? result.stderr);
      assert.equal(result.report?.target?.pid, broker.pid, 'found the broker from its port');
      assert.equal(result.report?.target?.kind, 'found-by-port');
      const report = result.report?.scenarios[0];
      assert.equal(report?.verdict, 'pass');
      assert.equal(report?.failures, 0);
      assert.ok((report?.operations ?? 0) >= 30_000, 'all cycles ran');
    });
  }
});
