// Ground truth: the leaky fixture broker (Aedes + a deliberate leak per connection) must be flagged LEAK
// with a bytes/op close to the injected size; the same broker without the leak must PASS.
// The 1 KB case is issue 3's bar for a garbage-collected broker: a 1 KB-per-operation leak flagged within
// one default run (health-check-churn at the defaults takes about 70–90 s here; the bar is 3 minutes). The 4 KB case
// runs connect-churn with --quick: 4 MB a cycle stands far above Aedes's ~1 MB of floor noise.
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
const CLEAN_SCENARIO = 'connect-churn';
/** The cap on measured cycles for the clean run: see the test. */
const CLEAN_CAP_CYCLES = 24;
/** The fixture collects its garbage on SIGUSR2: every floor is then taken after a collection. */
const GC_HOOK = ['--gc-cmd', 'kill -USR2 {pid}'];
const CASES = [
  { scenario: 'connect-churn', injected: 4096, shape: ['--quick'], bar: 'within 30% of the injected size' },
  { scenario: 'health-check-churn', injected: 1024, shape: [], bar: 'more than 70% of the injected size' },
] as const;

function metric(report: RunReport | null, scenario: string, name: string): MetricReport {
  const found = report?.scenarios
    .find((entry) => entry.name === scenario)
    ?.metrics.find((entry) => entry.name === name);
  assert.ok(found, `${scenario} has a ${name} verdict`);
  return found;
}

for (const { scenario, injected, shape, bar } of CASES) {
  describe(`leaky fixture broker: ${injected} B per connection`, () => {
    let broker: TestBroker;
    before(async () => {
      broker = await startFixtureBroker(injected);
    });
    after(async () => broker.stop());

    const how = shape.length > 0 ? `with ${shape.join(' ')}` : 'at the defaults';
    test(`${scenario} ${how}: LEAK, exit 1, rss and rssAnon bytes/op ${bar}`, async (t) => {
      const result = await runCli(['run', scenario, ...shape, '--broker', broker.url, '--pid', String(broker.pid)]);
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

  // Aedes's RSS floors move by 0.4–1 MB from cycle to cycle even after a forced collection (V8 keeps and reuses
  // pages), about 80–200 B/op at 5,000 operations a cycle. At 12 measured cycles connect-churn's interval was
  // ±137 B/op (INCONCLUSIVE `underpowered`, δ = 64) and its verdict asked for about 20. `cycles` is a cap under
  // adaptive length (docs/verdicts-sequential.md): the run stops at the first look where every metric PASSes. In
  // rehearsals it went to the cap and PASSed there (the last look gets the whole alpha); health-check-churn did the
  // same, so only connect-churn, the control of the 4 KB case, runs here (~160 s): health-check-churn's clean side on
  // a collected broker is verdict-cache.test.ts (a bounded cache, --gc-cmd) and on a C broker mosquitto.test.ts.
  test('connect-churn PASS with a GC hook, within a cap of 24 measured cycles, exit 0', async () => {
    const result = await runCli([
      'run',
      CLEAN_SCENARIO,
      '--broker',
      broker.url,
      '--pid',
      String(broker.pid),
      ...GC_HOOK,
      '--set',
      `cycles=${CLEAN_CAP_CYCLES}`,
    ]);
    const summary = result.report?.scenarios
      .flatMap((s) => s.metrics.map((m) => `${s.name}/${m.name}: ${m.verdict} ${m.reason}`))
      .join('\n');
    assert.equal(result.code, 0, summary ?? result.stderr);
    assert.equal(result.report?.verdict, 'pass');
    for (const name of ['proc.rss', 'proc.rssAnon', 'proc.fds', 'proc.threads'])
      assert.equal(metric(result.report, CLEAN_SCENARIO, name).verdict, 'pass');
  });
});
