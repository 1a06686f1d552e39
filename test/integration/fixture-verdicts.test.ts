// Ground truth: the leaky fixture broker (Aedes + a deliberate leak per connection) must be flagged LEAK
// with a bytes/op close to the injected size; the same broker without the leak must PASS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MetricReport, RunReport } from '../../src/report/model.js';
import { startFixtureBroker, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const INJECTED_LEAK_BYTES = 4096;
/** The bar: the measured bytes/op lands within 30% of the injected leak. */
const LEAK_SIZE_TOLERANCE = 0.3;
const SCENARIOS = ['health-check-churn', 'connect-churn'];

function metric(report: RunReport | null, scenario: string, name: string): MetricReport {
  const found = report?.scenarios.find((entry) => entry.name === scenario)?.metrics.find((entry) => entry.name === name);
  assert.ok(found, `${scenario} has a ${name} verdict`);
  return found;
}

describe('leaky fixture broker: 4 KB per connection', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startFixtureBroker(INJECTED_LEAK_BYTES);
  });
  after(async () => broker.stop());

  for (const scenario of SCENARIOS) {
    test(`${scenario}: LEAK, exit 1, bytes/op within 30% of the injected size`, async () => {
      const result = await runCli(['run', scenario, '--broker', broker.url, '--pid', String(broker.pid)]);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.equal(result.report?.verdict, 'leak');
      const rss = metric(result.report, scenario, 'rss');
      assert.equal(rss.verdict, 'leak', rss.reason);
      assert.ok(rss.bytesPerOp !== null && Math.abs(rss.bytesPerOp - INJECTED_LEAK_BYTES) <= LEAK_SIZE_TOLERANCE * INJECTED_LEAK_BYTES, `rss ${rss.bytesPerOp} B/op vs ${INJECTED_LEAK_BYTES} injected`);
      assert.ok(rss.ci !== null && rss.ci[0] > rss.thresholdPerOp, 'the interval clears the threshold');
      assert.ok(rss.mbPerHour !== null && rss.mbPerHour > 0);
      assert.match(result.stdout, /LEAK/);
    });
  }
});

describe('the same fixture broker without the leak', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startFixtureBroker(0);
  });
  after(async () => broker.stop());

  test('both scenarios PASS, exit 0', async () => {
    const result = await runCli(['run', ...SCENARIOS, '--broker', broker.url, '--pid', String(broker.pid)]);
    const summary = result.report?.scenarios.flatMap((s) => s.metrics.map((m) => `${s.name}/${m.name}: ${m.verdict} ${m.reason}`)).join('\n');
    assert.equal(result.code, 0, summary ?? result.stderr);
    assert.equal(result.report?.verdict, 'pass');
    for (const scenario of SCENARIOS) {
      for (const name of ['rss', 'rssAnon', 'fds', 'threads']) assert.equal(metric(result.report, scenario, name).verdict, 'pass');
    }
  });
});
