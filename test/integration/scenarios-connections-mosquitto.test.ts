// The connection-level scenarios against a real Mosquitto, briefly: each runs without a failed operation
// and its protocol checks hold (a silent client is dropped past its keepalive, every refusal is answered,
// no will leaks out of a refused CONNECT, wills arrive or are discarded as they should, a takeover closes
// the first connection, 2,000 clients are held at once). Mosquitto here requires a password, so the
// credential variants are exercised and every other client must log in: flags and environment both.
// Mosquitto is clean here, so every scenario must PASS (mass-connect: its fds and threads, MEMORY_UNDECIDED): six
// measured cycles, the fewest any verdict is given on (MIN_JUDGED_CYCLES, src/analysis/prepare.ts) and so the
// adaptive design's first look; with a cap of 6 that look is the cap and judges at the scenario's whole alpha.
// (Three measured cycles, as this test once ran, can only ever be INCONCLUSIVE.) A C broker's floors barely move,
// so the one look decides.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { KEEPALIVE_DROPPED } from '../../src/patterns/connect-churn.js';
import { STAYED_CONNECTED, SUBSCRIBED } from '../../src/patterns/mass-connect.js';
import { REJECTION_VARIANTS, WILL_CHECK } from '../../src/patterns/rejected-connect.js';
import { DISCONNECT_8E, FIRST_CLOSED } from '../../src/patterns/session-takeover.js';
import { WILL_DELAYED, WILL_DISCARDED, WILL_PUBLISHED } from '../../src/patterns/will-churn.js';
import type { RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { startMosquitto, startMosquittoWithPassword, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const USER = 'mqleak-user';
/** Distinctive, so that finding it anywhere in a report or the output is unambiguous. */
const PASSWORD = 'pw-4a-Zq81x';
const SCENARIOS = [
  'health-check-churn',
  'connect-churn',
  'rejected-connect',
  'will-churn',
  'session-takeover',
  'mass-connect',
];
const OPERATIONS_PER_CYCLE = 300;
const HELD_CLIENTS = 2000;
const CYCLES = 8; // 2 warm-up + 6 measured
/**
 * Every scenario PASSes, memory included, except mass-connect's memory: Mosquitto holding 2,000 clients moves its
 * floors by a few pages, and its rss was 25 B/op [0, 125] at 6 measured cycles and still 0 B/op [0, 72] at 12
 * (INCONCLUSIVE both times, δ = 64; the verdict then asked for 13). A PASS there needs more cycles than this test's
 * share of CI, so mass-connect's memory is asserted not LEAK and its fds and threads PASS.
 */
const MEMORY_UNDECIDED = new Set(['mass-connect/proc.rss', 'mass-connect/proc.rssAnon']);
const SHAPE = [
  'warmupCycles=2',
  'cycles=6',
  `operationsPerCycle=${OPERATIONS_PER_CYCLE}`,
  'baselineSeconds=0.5',
  'settleSeconds=0.5',
  'recoverySeconds=0.5',
];
/**
 * Mosquitto sends MQTT 5's DISCONNECT 0x8E to a taken-over client from 2.0.15 on (eclipse-mosquitto#2607); Debian 12
 * ships 2.0.11.
 */
const FIRST_VERSION_WITH_0X8E = [2, 0, 15];

function mosquittoVersion(): number[] {
  let text = '';
  try {
    text = execFileSync('mosquitto', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    text = String((error as { stdout?: unknown }).stdout ?? ''); // `mosquitto -h` exits 3 after printing its help
  }
  const match = /mosquitto version (\d+)\.(\d+)\.(\d+)/.exec(text);
  assert.ok(match, 'mosquitto prints its version');
  return match.slice(1).map(Number);
}

function atLeast(version: number[], wanted: number[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    if ((version[i] ?? 0) !== wanted[i]) return (version[i] ?? 0) > (wanted[i] ?? 0);
  }
  return true;
}

function scenario(report: RunReport | null, name: string): ScenarioReport {
  const found = report?.scenarios.find((entry) => entry.name === name);
  assert.ok(found, `the report has ${name}`);
  return found;
}

function assertHeld(report: ScenarioReport, check: string, expected?: number): void {
  const found = report.checks?.[check];
  assert.ok(found, `${report.name} reports the check ${check}: ${JSON.stringify(report.checks)}`);
  assert.equal(found.status, 'held', `${report.name}: ${check} ${found.observed}/${found.expected}`);
  if (expected !== undefined)
    assert.equal(found.expected, expected, `${report.name}: ${check} expected ${expected} times`);
  else assert.ok(found.expected > 0, `${report.name}: ${check} was exercised`);
}

describe('connection-level scenarios on Mosquitto with a password file', () => {
  let broker: TestBroker;
  let result: Awaited<ReturnType<typeof runCli>>;

  before(async () => {
    broker = await startMosquittoWithPassword(USER, PASSWORD);
    result = await runCli(
      [
        'run',
        ...SCENARIOS,
        '--quick',
        '--broker',
        broker.url,
        '--username',
        USER,
        ...SHAPE.flatMap((set) => ['--set', set]),
        '--set',
        `mass-connect:operationsPerCycle=${HELD_CLIENTS}`,
        '--set',
        'mass-connect:holdSeconds=1',
      ],
      { env: { MQLEAK_PASSWORD: PASSWORD } },
    );
  });
  after(async () => {
    await broker?.stop();
  });

  test('every scenario ran to the end with no failed operation and PASSes (mass-connect: its counts)', () => {
    const summary = result.report?.scenarios
      .map((s) => `${s.name}: ${s.verdict} ${s.error ?? ''} ${JSON.stringify(s.failureKinds)}`)
      .join('\n');
    const metrics = result.report?.scenarios
      .flatMap((s) => s.metrics.map((m) => `${s.name}/${m.name}: ${m.verdict} ${m.reason}`))
      .join('\n');
    // 0, or 2 when mass-connect's memory is INCONCLUSIVE at this length (MEMORY_UNDECIDED); never 1.
    assert.ok(result.code === 0 || result.code === 2, `exit ${result.code}\n${summary}\n${metrics}\n${result.stderr}`);
    for (const name of SCENARIOS) {
      const report = scenario(result.report, name);
      assert.equal(report.error, null, `${name}: ${report.error}`);
      assert.equal(report.failures, 0, `${name}: ${JSON.stringify(report.failureKinds)}`);
      assert.notEqual(report.verdict, 'leak');
      const undecided = report.metrics.some((metric) => MEMORY_UNDECIDED.has(`${name}/${metric.name}`));
      if (!undecided) assert.equal(report.verdict, 'pass', `${name}\n${metrics}`);
      for (const metric of report.metrics) {
        if (MEMORY_UNDECIDED.has(`${name}/${metric.name}`)) assert.notEqual(metric.verdict, 'leak', metric.reason);
        else assert.equal(metric.verdict, 'pass', `${name}/${metric.name}: ${metric.reason}`);
      }
    }
  });

  test(
    'health-check-churn: garbage is answered by a close or reset; silent connections are ' +
      'counted, whoever ended them',
    () => {
      const report = scenario(result.report, 'health-check-churn');
      const answers = report.answers ?? {};
      const total = (variant: string): number =>
        Object.values(answers[variant] ?? {}).reduce((sum, count) => sum + count, 0);
      // mixed: close, reset, garbage, silent in turn; garbage rotates over 3 payloads.
      assert.equal(total('silent'), (CYCLES * OPERATIONS_PER_CYCLE) / 4);
      for (const garbage of ['garbage:http-get', 'garbage:tls-client-hello', 'garbage:zero-bytes']) {
        assert.ok(total(garbage) > 0, garbage);
        assert.equal(answers[garbage]?.['gave-up'] ?? 0, 0, `${garbage}: Mosquitto closes on bytes that are not MQTT`);
      }
    },
  );

  test('connect-churn: the broker drops every client silent past its keepalive', () => {
    const report = scenario(result.report, 'connect-churn');
    // 5% of the connections go silent with a 1 s keepalive.
    assertHeld(report, KEEPALIVE_DROPPED, (CYCLES * OPERATIONS_PER_CYCLE) / 20);
    assert.ok((report.observations?.keepaliveDropMs?.min ?? 0) >= 1000, 'not before the keepalive');
  });

  test('rejected-connect: every variant with and without a will is refused (exercised), and no will leaks out', () => {
    const report = scenario(result.report, 'rejected-connect');
    for (const variant of REJECTION_VARIANTS) {
      for (const name of [variant, `${variant}+will`]) {
        const answers = report.answers?.[name];
        assert.ok(answers !== undefined, `${name} was tried`);
        assert.equal(answers.accepted ?? 0, 0, `${name}: refused, not accepted: ${JSON.stringify(answers)}`);
      }
    }
    assert.deepEqual(
      Object.keys(report.answers?.['bad-password'] ?? {}),
      ['connack-0x05'],
      'a bad password: CONNACK 0x05 (not authorized)',
    );
    assert.ok((report.answers?.['unsupported-version']?.['connack-0x01'] ?? 0) > 0, 'protocol level 6: CONNACK 0x01');
    assert.ok(
      (report.answers?.['rejected-client-id']?.['connack-0x02'] ?? 0) > 0,
      'empty id without clean session: CONNACK 0x02',
    );
    assertHeld(report, WILL_CHECK);
    assert.match(result.stdout, /answered bad-password\+will: connack-0x05/);
  });

  test(
    "will-churn: every vanished client's will arrives, MQTT 5 wills not before their delay, " + 'none after DISCONNECT',
    () => {
      const report = scenario(result.report, 'will-churn');
      const clients = CYCLES * OPERATIONS_PER_CYCLE;
      assertHeld(report, WILL_PUBLISHED, (clients * 3) / 4);
      assertHeld(report, WILL_DISCARDED, clients / 4);
      assertHeld(report, WILL_DELAYED);
      assert.equal(report.answers?.['mqtt5-connect'], undefined, 'Mosquitto speaks MQTT 5');
    },
  );

  test(
    'session-takeover: the first connection is closed; MQTT 5 DISCONNECT 0x8E as this ' + 'Mosquitto version does it',
    () => {
      const report = scenario(result.report, 'session-takeover');
      assertHeld(report, FIRST_CLOSED, CYCLES * OPERATIONS_PER_CYCLE);
      const disconnect = report.checks?.[DISCONNECT_8E];
      assert.equal(disconnect?.expected, (CYCLES * OPERATIONS_PER_CYCLE) / 2, 'half the takeovers on MQTT 5');
      // A real nonconformance of older Mosquitto, which the report shows: it closes without the DISCONNECT.
      assert.equal(disconnect?.status, atLeast(mosquittoVersion(), FIRST_VERSION_WITH_0X8E) ? 'held' : 'failed');
      if (disconnect?.status === 'failed') assert.match(result.stdout, /CHECK FAILED: disconnect-0x8e-sent: 0 of \d+/);
    },
  );

  test(`mass-connect: ${HELD_CLIENTS} clients held at once, none dropped, subscribers fed`, () => {
    const report = scenario(result.report, 'mass-connect');
    assert.equal(report.observations?.peakClients?.max, HELD_CLIENTS);
    assertHeld(report, STAYED_CONNECTED, CYCLES * HELD_CLIENTS);
    assertHeld(report, SUBSCRIBED);
    assert.ok((report.observations?.deliveredPerCycle?.min ?? 0) > 0, 'published messages went through the broker');
  });

  test('the credentials reach no report: not the password, not the user name', () => {
    const text = JSON.stringify(result.report);
    assert.ok(!text.includes(PASSWORD), 'the password is not in the JSON report');
    assert.ok(
      !text.includes(`--username ${USER}`) && !text.includes(`"${USER}"`),
      'nor the user name given on the command line',
    );
    assert.ok(!result.stdout.includes(PASSWORD) && !result.stderr.includes(PASSWORD));
    assert.equal(result.report?.scenarios[0]?.parameters.password, undefined, 'credentials are no scenario parameters');
  });
});

describe('rejected-connect on Mosquitto with anonymous access', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => broker?.stop());

  test('the credential variants are accepted and reported as not exercised; the others are refused', async () => {
    const result = await runCli([
      'run',
      'rejected-connect',
      '--quick',
      '--broker',
      broker.url,
      ...SHAPE.flatMap((set) => ['--set', set]),
      '--set',
      'operationsPerCycle=72',
    ]);
    const report = scenario(result.report, 'rejected-connect');
    assert.equal(report.error, null);
    for (const name of ['bad-password', 'no-credentials', 'bad-password+will', 'no-credentials+will']) {
      assert.deepEqual(
        Object.keys(report.answers?.[name] ?? {}),
        ['accepted'],
        `${name}: ${JSON.stringify(report.answers?.[name])}`,
      );
    }
    assert.equal(report.answers?.['malformed-reserved-flag']?.accepted, undefined);
    assert.match(result.stdout, /not exercised bad-password: accepted ×\d+/);
  });
});
