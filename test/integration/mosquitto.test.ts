// A real C broker (Debian's Mosquitto) that does not leak under either scenario: PASS, exit 0.
// health-check-churn at the defaults: the control for verdict-c-leak.test.ts, which flags a C-level leak in
// the same scenario at the same length. connect-churn with --quick: a C broker's memory floors do not move at
// all (0 B/op [0, 0] at any length), so a short run is enough to PASS. (health-check-churn with --quick once
// read two more fds in Mosquitto after its 3 s recovery than during the run: INCONCLUSIVE, as it should be
// for a jump it cannot explain; the defaults' 5 s recovery never did.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const RUNS: { scenario: string; flags: string[]; shape: string }[] = [
  { scenario: 'health-check-churn', flags: [], shape: 'at the defaults' },
  { scenario: 'connect-churn', flags: ['--quick'], shape: 'with --quick' },
];

describe('Mosquitto', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => broker.stop());

  for (const { scenario, flags, shape } of RUNS) {
    test(`${scenario} ${shape}: PASS, exit 0, with the process found from the port`, async () => {
      const result = await runCli(['run', scenario, ...flags, '--broker', broker.url, '--no-html', '--quiet']);
      const summary = result.report?.scenarios
        .flatMap((s) => s.metrics.map((m) => `${s.name}/${m.name}: ${m.verdict} ${m.reason}`))
        .join('\n');
      assert.equal(result.code, 0, summary ?? result.stderr);
      assert.equal(result.report?.target?.pid, broker.pid, 'found the broker from its port');
      assert.equal(result.report?.target?.kind, 'found-by-port');
      const report = result.report?.scenarios[0];
      assert.ok(report !== undefined);
      assert.equal(report.verdict, 'pass');
      assert.equal(report.failures, 0);
      const measured = report.cycles.filter((cycle) => !cycle.warmup);
      assert.ok(measured.length >= 6 && measured.every((cycle) => cycle.operations > 0), 'every measured cycle ran');
      for (const metric of report.metrics) assert.equal(metric.verdict, 'pass', `${metric.name}: ${metric.reason}`);
    });
  }
});
