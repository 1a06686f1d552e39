// Ground truth: the leaky fixture broker (Aedes + a deliberate leak per connection) must be flagged LEAK
// with a bytes/op close to the injected size; the same broker without the leak must PASS.
// The 1 KB case is issue 3's bar for a garbage-collected broker: a 1 KB-per-operation leak flagged within
// one default run (health-check-churn at the defaults takes about 70–90 s here; the bar is 3 minutes).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MetricReport, RunReport } from '../../src/core/report-model.js';
import { startFixtureBroker, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

/** The bar: the measured bytes/op lands within 30% of the injected leak… */
const LEAK_SIZE_TOLERANCE = 0.3;
/**
 * …for a 4 KB leak. Each leaked Buffer also costs its JavaScript object and the allocator's bookkeeping
 * (about 400 B here), which is within 30% of 4 KB but not of 1 KB: a 1 KB leak must measure more than
 * 0.7 KB, never less.
 */
const SMALL_LEAK_LOWER_SHARE = 0.7;
const SCENARIOS = ['health-check-churn', 'connect-churn'];
/** Measured cycles for the clean connect-churn run: see the test. */
const CLEAN_CONNECT_CHURN_CYCLES = 20;
const CASES = [
  { scenario: 'connect-churn', injected: 4096, bar: 'within 30% of the injected size' },
  { scenario: 'health-check-churn', injected: 1024, bar: 'more than 70% of the injected size' },
] as const;

function metric(report: RunReport | null, scenario: string, name: string): MetricReport {
  const found = report?.scenarios
    .find((entry) => entry.name === scenario)
    ?.metrics.find((entry) => entry.name === name);
  assert.ok(found, `${scenario} has a ${name} verdict`);
  return found;
}

for (const { scenario, injected, bar } of CASES) {
  describe(`leaky fixture broker: ${injected} B per connection`, () => {
    let broker: TestBroker;
    before(async () => {
      broker = await startFixtureBroker(injected);
    });
    after(async () => broker.stop());

    test(`${scenario} at the defaults: LEAK, exit 1, rss and rssAnon bytes/op ${bar}`, async (t) => {
      const result = await runCli(['run', scenario, '--broker', broker.url, '--pid', String(broker.pid)]);
      const memory = result.report?.scenarios[0]?.metrics.filter((entry) => entry.kind === 'bytes') ?? [];
      const summary = memory
        .map(
          (m) =>
            `${m.name}: ${m.verdict} ${m.bytesPerOp?.toFixed(0)} B/op [${m.ci?.map((v) => v.toFixed(0)).join(', ')}]`,
        )
        .join('\n');
      t.diagnostic(`${summary}\nthe run took ${((result.report?.durationMs ?? 0) / 1000).toFixed(0)} s`);
      assert.equal(result.code, 1, summary || result.stdout + result.stderr);
      assert.equal(result.report?.verdict, 'leak');
      for (const name of ['proc.rss', 'proc.rssAnon']) {
        const found = metric(result.report, scenario, name);
        assert.equal(found.verdict, 'leak', found.reason);
        assert.ok(found.bytesPerOp !== null, found.reason);
        if (injected === 4096) {
          assert.ok(
            Math.abs(found.bytesPerOp - injected) <= LEAK_SIZE_TOLERANCE * injected,
            `${name} ${found.bytesPerOp} B/op vs ${injected} injected`,
          );
        } else {
          assert.ok(
            found.bytesPerOp > SMALL_LEAK_LOWER_SHARE * injected,
            `${name} ${found.bytesPerOp} B/op vs ${injected} injected`,
          );
        }
        assert.ok(found.ci !== null && found.ci[0] > found.thresholdPerOp, 'the interval clears the threshold');
        assert.ok(found.mbPerHour !== null && found.mbPerHour > 0);
      }
      assert.match(result.stdout, /LEAK/);
    });
  });
}

describe('the same fixture broker without the leak', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startFixtureBroker(0);
  });
  after(async () => broker.stop());

  // connect-churn's floors on Aedes are noisier than health-check-churn's: at the default 12 measured cycles
  // its interval reached ±68–95 B/op in CI rehearsals (INCONCLUSIVE `underpowered`, δ = 64), with or without
  // a GC hook, and the verdict itself asked for 15–17 cycles. The PASS is claimed at 20, as the reason advises.
  // With adaptive length `cycles` is a cap (a clean broker stops at the first look where every metric PASSes),
  // and the run's error budget is shared over its scenarios and looks (docs/verdicts-sequential.md): in a
  // rehearsal health-check-churn's verdict then asked for 13 cycles at the default cap of 12. It gets the same cap.
  test(
    'both scenarios PASS (connect-churn with the 20 measured cycles its underpowered ' + 'verdicts asked for), exit 0',
    async () => {
      const result = await runCli([
        'run',
        ...SCENARIOS,
        '--broker',
        broker.url,
        '--pid',
        String(broker.pid),
        '--set',
        `connect-churn:cycles=${CLEAN_CONNECT_CHURN_CYCLES}`,
        '--set',
        `health-check-churn:cycles=${CLEAN_CONNECT_CHURN_CYCLES}`,
      ]);
      const summary = result.report?.scenarios
        .flatMap((s) => s.metrics.map((m) => `${s.name}/${m.name}: ${m.verdict} ${m.reason}`))
        .join('\n');
      assert.equal(result.code, 0, summary ?? result.stderr);
      assert.equal(result.report?.verdict, 'pass');
      for (const scenario of SCENARIOS) {
        for (const name of ['proc.rss', 'proc.rssAnon', 'proc.fds', 'proc.threads'])
          assert.equal(metric(result.report, scenario, name).verdict, 'pass');
      }
    },
  );
});
