// The subscription- and message-level scenarios against a real Mosquitto, briefly: each runs, nothing
// fails, and every protocol check it makes holds (SUBACK/UNSUBACK arrive, messages reach the observer and
// exactly one member of a shared-subscription group, retained messages are there and then gone, a backlog
// drains, an expired session is gone, QoS flows are left in flight). The admin hooks of topic-churn and
// group-churn run against a local HTTP server and a command that appends to a file.
// Too few cycles for a verdict: the runs are not judged here, except that none may say LEAK.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const SCENARIOS = [
  'subscription-churn',
  'topic-churn',
  'group-churn',
  'retained-flood',
  'session-backlog',
  'inflight-abandon',
];
/** Small and short: enough operations to exercise every variant of every scenario a few dozen times. */
const OPERATIONS_PER_CYCLE = 60;
const SHAPE = [
  'warmupCycles=2',
  'cycles=3',
  `operationsPerCycle=${OPERATIONS_PER_CYCLE}`,
  'baselineSeconds=0.5',
  'settleSeconds=0.5',
  'recoverySeconds=1',
];
const TOTAL_OPERATIONS = 5 * OPERATIONS_PER_CYCLE;

/** Each scenario's checks, all of which must hold, and how many times each was expected. */
const EXPECTED_CHECKS: Record<string, Record<string, number>> = {
  // mixed: unsubscribe, disconnect, vanish, before-suback in turn; only the last goes without a SUBACK.
  'subscription-churn': { 'suback-received': (TOTAL_OPERATIONS * 3) / 4, 'unsuback-received': TOTAL_OPERATIONS / 4 },
  'topic-churn': {
    delivered: TOTAL_OPERATIONS,
    'create-hook-succeeded': TOTAL_OPERATIONS,
    'delete-hook-succeeded': TOTAL_OPERATIONS,
  },
  // 2 members per group, 4 messages through it; half the groups dissolve by UNSUBSCRIBE.
  'group-churn': {
    'suback-received': 2 * TOTAL_OPERATIONS,
    'delivered-to-one-member': 4 * TOTAL_OPERATIONS,
    'unsuback-received': TOTAL_OPERATIONS,
    'create-hook-succeeded': TOTAL_OPERATIONS,
  },
  'retained-flood': { 'retained-delivered': TOTAL_OPERATIONS, 'retained-cleared': TOTAL_OPERATIONS },
  // mixed: drained and expired sessions alternate; 5 messages queued for each.
  'session-backlog': {
    'suback-received': TOTAL_OPERATIONS,
    'session-present': TOTAL_OPERATIONS / 2,
    'backlog-drained': (5 * TOTAL_OPERATIONS) / 2,
    'expired-session-gone': TOTAL_OPERATIONS / 2,
  },
  // mixed: QoS 2 publishers and QoS 1 subscribers alternate, 4 messages each.
  'inflight-abandon': {
    'pubrec-received': 2 * TOTAL_OPERATIONS,
    'suback-received': TOTAL_OPERATIONS / 2,
    'delivered-unacknowledged': 2 * TOTAL_OPERATIONS,
  },
};

function scenario(report: RunReport | null, name: string): ScenarioReport {
  const found = report?.scenarios.find((entry) => entry.name === name);
  assert.ok(found, `the report has ${name}`);
  return found;
}

describe('subscription- and message-level scenarios on Mosquitto', () => {
  let broker: TestBroker;
  let hookServer: http.Server;
  let hookUrl: string;
  const hookRequests: string[] = [];
  let dir: string;
  let result: Awaited<ReturnType<typeof runCli>>;

  before(async () => {
    broker = await startMosquitto();
    hookServer = http.createServer((request, response) => {
      hookRequests.push(`${request.method} ${request.url}`);
      response.statusCode = 201;
      response.end();
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', () => resolve()));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as net.AddressInfo).port}`;
    dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-hooks-'));
    const deleteLog = path.join(dir, 'deleted.log');
    result = await runCli([
      'run',
      ...SCENARIOS,
      '--broker',
      broker.url,
      ...SHAPE.flatMap((set) => ['--set', set]),
      '--set',
      `topic-churn:createHook=${hookUrl}/topics/{topic}?group={group}`,
      '--set',
      `topic-churn:deleteHook=echo {topic} >> ${deleteLog}`,
      '--set',
      `group-churn:createHook=PUT ${hookUrl}/groups/{group}`,
    ]);
  });
  after(async () => {
    await broker.stop();
    hookServer.closeAllConnections();
    await new Promise<void>((resolve) => hookServer.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  test('every scenario runs to the end, no operation fails, nothing is called a leak', () => {
    assert.notEqual(result.code, 1, result.stdout + result.stderr);
    assert.ok(result.code === 0 || result.code === 2, `exit ${result.code}: ${result.stderr}`);
    assert.notEqual(result.report?.verdict, 'leak');
    for (const name of SCENARIOS) {
      const report = scenario(result.report, name);
      assert.equal(report.error, null, `${name}: ${report.error}`);
      assert.equal(report.operations, TOTAL_OPERATIONS, name);
      assert.deepEqual(report.failureKinds, {}, name);
      for (const metric of report.metrics)
        assert.notEqual(metric.verdict, 'leak', `${name}/${metric.name}: ${metric.reason}`);
    }
  });

  for (const name of SCENARIOS) {
    test(`${name}: its protocol checks hold, as many times as the run called for them`, () => {
      const checks = scenario(result.report, name).checks ?? {};
      const observed = Object.fromEntries(
        Object.entries(checks).map(([check, tally]) => [check, `${tally.status} ${tally.observed}/${tally.expected}`]),
      );
      const expected = Object.fromEntries(
        Object.entries(EXPECTED_CHECKS[name] ?? {}).map(([check, count]) => [check, `held ${count}/${count}`]),
      );
      assert.deepEqual(observed, expected);
      assert.match(result.stdout, new RegExp(`check held: ${Object.keys(expected)[0]}`));
    });
  }

  test(
    'what Mosquitto answered: every SUBSCRIBE granted, every group message delivered once, ' + 'expired sessions gone',
    () => {
      const answers = (name: string): Record<string, Record<string, number>> =>
        scenario(result.report, name).answers ?? {};
      assert.deepEqual(answers('subscription-churn').SUBSCRIBE, { 'granted-1': 2 * ((TOTAL_OPERATIONS * 3) / 4) });
      assert.deepEqual(answers('group-churn')['message through the group'], { once: 4 * TOTAL_OPERATIONS });
      assert.deepEqual(answers('group-churn')['SUBSCRIBE $share'], { 'granted-1': 2 * TOTAL_OPERATIONS });
      assert.deepEqual(answers('session-backlog')['reconnect after expiry'], { 'no session': TOTAL_OPERATIONS / 2 });
      assert.deepEqual(answers('session-backlog')['reconnect to drain'], { 'session present': TOTAL_OPERATIONS / 2 });
      assert.deepEqual(answers('topic-churn')['create hook'], { 'HTTP 201': TOTAL_OPERATIONS });
      assert.deepEqual(answers('topic-churn')['delete hook'], { 'exit 0': TOTAL_OPERATIONS });
    },
  );

  test('the hooks ran once per topic and per group, with {topic} and {group} filled in', async () => {
    const token = /^mqleak-([0-9a-f]+)-/.exec(
      hookRequests.find((line) => line.startsWith('PUT'))?.split('/groups/')[1] ?? '',
    )?.[1];
    assert.ok(token !== undefined, `a group hook request: ${hookRequests[0]}`);
    const topicRequests = hookRequests.filter((line) => line.startsWith('POST /topics/'));
    assert.equal(topicRequests.length, TOTAL_OPERATIONS);
    assert.ok(
      topicRequests.includes(`POST /topics/mqleak%2F${token}%2Ftopic%2F0?group=mqleak-${token}-group-0`),
      topicRequests[0],
    );
    const groupRequests = hookRequests.filter((line) => line.startsWith('PUT /groups/'));
    assert.equal(groupRequests.length, TOTAL_OPERATIONS);
    assert.ok(groupRequests.includes(`PUT /groups/mqleak-${token}-0`), groupRequests[0]);
    const deleted = (await readFile(path.join(dir, 'deleted.log'), 'utf8')).trim().split('\n');
    assert.equal(deleted.length, TOTAL_OPERATIONS);
    assert.equal(new Set(deleted).size, TOTAL_OPERATIONS, 'one line per topic');
    assert.ok(deleted.includes(`mqleak/${token}/topic/0`), deleted[0]);
  });
});

describe('session-backlog on MQTT 3.1.1', () => {
  test('expiring sessions need MQTT 5: a usage error (exit 64) that says so', async () => {
    const broker = await startMosquitto();
    try {
      const result = await runCli([
        'run',
        'session-backlog',
        '--broker',
        broker.url,
        '--set',
        'protocolVersion=4',
        '--set',
        'baselineSeconds=0',
      ]);
      assert.equal(result.code, 64, result.stderr);
      assert.match(result.stderr, /outcome mixed needs MQTT 5/);
      assert.match(result.stderr, /--set outcome=drain/);
    } finally {
      await broker.stop();
    }
  });
});
