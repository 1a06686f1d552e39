// Ground truth for the subscription- and message-level scenarios: the fixture broker (Aedes) with one
// leak mode per pattern family must be flagged LEAK by the matching scenario; the same broker without
// a leak must not be. Short runs with large leaks (16 KB per operation), far above the noise.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MetricReport, RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { startFixtureBroker, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

/** Short runs: 6 measured cycles is the fewest the verdict judges; few operations, each leaking a lot. */
const SHAPE = [
  'warmupCycles=2',
  'cycles=6',
  'operationsPerCycle=150',
  'baselineSeconds=0.5',
  'settleSeconds=1',
  'recoverySeconds=2',
];
interface LeakCase {
  mode: string;
  scenario: string;
  /**
   * Bytes the fixture surely leaks per operation of the scenario as run (the leak per event × events per operation).
   */
  leastPerOp: number;
}

/** About 16 KB per operation: 2.4 MB per cycle, far above the noise of Aedes' floors in a short run. */
const LEAK_BYTES = 16384;
const CASES: LeakCase[] = [
  // mixed ways out, 2 filters: DISCONNECT and vanish leave both subscriptions (before-suback may too): ≥ 1 per
  // operation.
  { mode: `subscription=${LEAK_BYTES}`, scenario: 'subscription-churn', leastPerOp: LEAK_BYTES },
  { mode: `topic=${LEAK_BYTES}`, scenario: 'topic-churn', leastPerOp: LEAK_BYTES },
  { mode: `group=${LEAK_BYTES}`, scenario: 'group-churn', leastPerOp: LEAK_BYTES },
  { mode: `retained-clear=${LEAK_BYTES}`, scenario: 'retained-flood', leastPerOp: LEAK_BYTES },
  { mode: `session-end=${LEAK_BYTES}`, scenario: 'session-backlog', leastPerOp: LEAK_BYTES },
  // 4 messages left in flight per client, whichever way.
  { mode: `inflight=${LEAK_BYTES / 4}`, scenario: 'inflight-abandon', leastPerOp: LEAK_BYTES },
];
/**
 * The measured slope may fall short of the injected leak by noise and by pages not yet touched; not by more than this.
 */
const SHORTFALL = 0.7;

function args(scenarios: string[], broker: TestBroker): string[] {
  return [
    'run',
    ...scenarios,
    '--broker',
    broker.url,
    '--pid',
    String(broker.pid),
    // The fixture collects its garbage on SIGUSR2: floors after a collection, not wherever V8's timer left them.
    '--gc-cmd',
    'kill -USR2 {pid}',
    ...SHAPE.flatMap((set) => ['--set', set]),
  ];
}

function scenario(report: RunReport | null, name: string): ScenarioReport {
  const found = report?.scenarios.find((entry) => entry.name === name);
  assert.ok(found, `the report has ${name}`);
  return found;
}

function metric(report: ScenarioReport, name: string): MetricReport {
  const found = report.metrics.find((entry) => entry.name === name);
  assert.ok(found, `${report.name} has a ${name} verdict`);
  return found;
}

describe('leaky fixture broker: one leak mode per pattern family', () => {
  for (const { mode, scenario: name, leastPerOp } of CASES) {
    describe(`--leak-on ${mode}`, () => {
      let broker: TestBroker;
      before(async () => {
        broker = await startFixtureBroker(0, ['--leak-on', mode]);
      });
      after(async () => broker.stop());

      test(`${name}: LEAK (exit 1), at least ${leastPerOp} B per operation`, async () => {
        const result = await runCli(args([name], broker));
        assert.equal(result.code, 1, result.stdout + result.stderr);
        const report = scenario(result.report, name);
        assert.equal(report.verdict, 'leak');
        assert.equal(report.failures, 0, JSON.stringify(report.failureKinds));
        const rss = metric(report, 'proc.rss');
        assert.equal(rss.verdict, 'leak', rss.reason);
        assert.ok(
          rss.ci !== null && rss.ci[0] > rss.thresholdPerOp,
          `the interval ${rss.ci?.join('..')} clears the threshold`,
        );
        assert.ok(
          rss.bytesPerOp !== null && rss.bytesPerOp >= SHORTFALL * leastPerOp,
          `rss ${rss.bytesPerOp} B/op, at least ${leastPerOp} leaked`,
        );
      });
    });
  }
});

describe('the same fixture broker without a leak', () => {
  let broker: TestBroker;
  let result: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    broker = await startFixtureBroker(0);
    // inflight-abandon rotates its two ways out one per cycle; on Aedes its fd count then settled by one fd over the
    // 6 cycles of SHAPE and its verdict asked for about 9 to tell a drift from a rise. With adaptive length `cycles`
    // is only a cap: the clean run stops at the first look where everything PASSes.
    result = await runCli([
      ...args(
        CASES.map((entry) => entry.scenario),
        broker,
      ),
      '--set',
      'inflight-abandon:cycles=12',
    ]);
  });
  after(async () => broker.stop());

  // Memory is not asserted PASS: at 150 operations a cycle Aedes's floors move by about 1 MB from cycle to cycle
  // (several KB/op against δ = 64 B/op), and a clean PASS on this broker needs 5,000 operations a cycle and up to 24
  // measured cycles with a GC hook (fixture-verdicts.test.ts, ~160 s for one scenario): six scenarios at that length
  // are beyond CI's time. The counts decide in a short run, so fds and threads PASS is the verdict asserted here,
  // and an engine that only ever answers INCONCLUSIVE fails it.
  test('no scenario is called a leak; fds and threads, nearly noise-free, PASS', () => {
    assert.ok(result.code === 0 || result.code === 2, `exit ${result.code}: ${result.stdout}${result.stderr}`);
    assert.notEqual(result.report?.verdict, 'leak');
    for (const { scenario: name } of CASES) {
      const report = scenario(result.report, name);
      assert.equal(report.failures, 0, `${name}: ${JSON.stringify(report.failureKinds)}`);
      for (const entry of report.metrics)
        assert.notEqual(entry.verdict, 'leak', `${name}/${entry.name}: ${entry.reason}`);
      for (const count of ['proc.fds', 'proc.threads'])
        assert.equal(metric(report, count).verdict, 'pass', `${name}/${count}: ${metric(report, count).reason}`);
    }
  });

  test('the checks hold on Aedes, except what it does not implement, reported as not exercised', () => {
    // Aedes speaks 3.1.1 only: group-churn and session-backlog fall back to it and say so. It has no shared
    // subscriptions (nothing gets through a group) and, without MQTT 5, no session expiry.
    const unexercised = new Set(['group-churn/delivered-to-one-member', 'session-backlog/expired-session-gone']);
    for (const { scenario: name } of CASES) {
      for (const [check, tally] of Object.entries(scenario(result.report, name).checks ?? {})) {
        const status = unexercised.has(`${name}/${check}`) ? 'not-exercised' : 'held';
        assert.equal(tally.status, status, `${name}/${check}: ${tally.observed} of ${tally.expected}`);
      }
    }
    const group = scenario(result.report, 'group-churn');
    assert.deepEqual(group.answers?.['shared subscriptions'], { 'nothing delivered through $share (probe)': 1 });
    assert.equal(group.answers?.['message through the group'], undefined, 'no delivery waited for, none reported');
    for (const name of ['group-churn', 'session-backlog']) {
      assert.deepEqual(
        scenario(result.report, name).answers?.['mqtt5-connect'],
        { 'refused: connack-1': 1 },
        `${name} says it ran on 3.1.1`,
      );
    }
    assert.match(result.stdout, /check not exercised: delivered-to-one-member/);
    assert.match(result.stdout, /check not exercised: expired-session-gone/);
  });
});
