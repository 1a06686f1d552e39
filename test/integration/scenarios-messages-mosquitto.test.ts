// The subscription- and message-level scenarios against a real Mosquitto, briefly: each runs, nothing
// fails, and every protocol check it makes holds (SUBACK/UNSUBACK arrive, messages reach the observer and
// exactly one member of a shared-subscription group, retained messages are there and then gone, a backlog
// drains, an expired session is gone, QoS flows are left in flight). The admin hooks of topic-churn and
// group-churn run against a local HTTP server and a command that appends to a file.
// Mosquitto is clean here, so every scenario must PASS (retained-flood aside, UNJUDGED): six measured cycles, the
// fewest any verdict is given on (MIN_JUDGED_CYCLES, src/analysis/prepare.ts) and so the adaptive design's first
// look; with a cap of 6 that look is the cap and judges at the scenario's whole alpha. (Three measured cycles, as
// this test once ran, can only ever be INCONCLUSIVE.) A C broker's floors barely move, so the one look decides.
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
  'cycles=6',
  `operationsPerCycle=${OPERATIONS_PER_CYCLE}`,
  'baselineSeconds=0.5',
  'settleSeconds=0.5',
  'recoverySeconds=1',
];
/**
 * Larger batches where Mosquitto's floors or fd count move a little from cycle to cycle. At 60 operations a cycle one
 * 4 KB page is 68 B/op, above δ = 64, and one fd 0.017 fds/op, above δ = 0.01: subscription-churn and group-churn
 * read 17 B/op [0, 68] and inflight-abandon's fds 0.013 [0, 0.067] (INCONCLUSIVE). At 240 a page is 17 B/op and an
 * fd 0.004. These three are fast on Mosquitto (about 2,000, 110 and 270 a second); topic-churn and session-backlog
 * (about 45 a second) stay at 60, where their floors did not move at all (0 B/op [0, 0]) in every run.
 */
const BATCH: Record<string, number> = { 'subscription-churn': 480, 'group-churn': 240, 'inflight-abandon': 240 };
/**
 * retained-flood is not judged here: on Debian 12's Mosquitto 2.0.11, 6 measured cycles of 480 new topics each (2
 * warm-up) grew 159 B/op [154, 162] per topic set and cleared: LEAK (114 B/op [0, 205] at 60 a cycle). The same broker
 * PASSed retained-flood at its defaults (3 warm-up and 12 measured cycles of 2,000, the --all run in
 * docs/verdicts-sequential.md), so this looks like growth that levels off later, e.g. the allocator's, which a short
 * run reads as a leak: not a clean control until that is settled. Its checks run at 3 measured cycles, too few for any
 * verdict, as before.
 */
const UNJUDGED = 'retained-flood';
const UNJUDGED_CYCLES = 3;

/** Operations a scenario ran in all: 2 warm-up and its measured cycles, of its batch. */
function total(name: string): number {
  const cycles = 2 + (name === UNJUDGED ? UNJUDGED_CYCLES : 6);
  return cycles * (BATCH[name] ?? OPERATIONS_PER_CYCLE);
}

/** Each scenario's checks, all of which must hold, and how many times each was expected. */
const EXPECTED_CHECKS: Record<string, Record<string, number>> = {
  // mixed: unsubscribe, disconnect, vanish, before-suback in turn; only the last goes without a SUBACK.
  'subscription-churn': {
    'suback-received': (total('subscription-churn') * 3) / 4,
    'unsuback-received': total('subscription-churn') / 4,
  },
  'topic-churn': {
    delivered: total('topic-churn'),
    'create-hook-succeeded': total('topic-churn'),
    'delete-hook-succeeded': total('topic-churn'),
  },
  // 2 members per group, 4 messages through it; half the groups dissolve by UNSUBSCRIBE.
  'group-churn': {
    'suback-received': 2 * total('group-churn'),
    'delivered-to-one-member': 4 * total('group-churn'),
    'unsuback-received': total('group-churn'),
    'create-hook-succeeded': total('group-churn'),
  },
  'retained-flood': { 'retained-delivered': total('retained-flood'), 'retained-cleared': total('retained-flood') },
  // mixed: drained and expired sessions alternate; 5 messages queued for each.
  'session-backlog': {
    'suback-received': total('session-backlog'),
    'session-present': total('session-backlog') / 2,
    'backlog-drained': (5 * total('session-backlog')) / 2,
    'expired-session-gone': total('session-backlog') / 2,
  },
  // mixed: QoS 2 publishers and QoS 1 subscribers alternate, 4 messages each.
  'inflight-abandon': {
    'pubrec-received': 2 * total('inflight-abandon'),
    'suback-received': total('inflight-abandon') / 2,
    'delivered-unacknowledged': 2 * total('inflight-abandon'),
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
      ...Object.entries(BATCH).flatMap(([name, batch]) => ['--set', `${name}:operationsPerCycle=${batch}`]),
      '--set',
      `${UNJUDGED}:cycles=${UNJUDGED_CYCLES}`,
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

  test('every scenario runs to the end, no operation fails, every judged scenario and metric PASSes', () => {
    assert.notEqual(result.code, 1, result.stdout + result.stderr);
    // 2, not 0: retained-flood's 3 measured cycles are INCONCLUSIVE by design (UNJUDGED).
    assert.equal(result.code, 2, `exit ${result.code}: ${result.stdout}${result.stderr}`);
    assert.notEqual(result.report?.verdict, 'leak');
    for (const name of SCENARIOS) {
      const report = scenario(result.report, name);
      assert.equal(report.error, null, `${name}: ${report.error}`);
      assert.equal(report.operations, total(name), name);
      assert.deepEqual(report.failureKinds, {}, name);
      for (const metric of report.metrics) {
        assert.notEqual(metric.verdict, 'leak', `${name}/${metric.name}: ${metric.reason}`);
        if (name === UNJUDGED)
          assert.equal(metric.reasonCode, 'underpowered', `${name}/${metric.name}: ${metric.reason}`);
        else assert.equal(metric.verdict, 'pass', `${name}/${metric.name}: ${metric.reason}`);
      }
      if (name !== UNJUDGED) assert.equal(report.verdict, 'pass', `${name}: ${report.verdict}`);
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
      assert.deepEqual(answers('subscription-churn').SUBSCRIBE, {
        'granted-1': 2 * ((total('subscription-churn') * 3) / 4),
      });
      assert.deepEqual(answers('group-churn')['message through the group'], { once: 4 * total('group-churn') });
      assert.deepEqual(answers('group-churn')['SUBSCRIBE $share'], { 'granted-1': 2 * total('group-churn') });
      assert.deepEqual(answers('session-backlog')['reconnect after expiry'], {
        'no session': total('session-backlog') / 2,
      });
      assert.deepEqual(answers('session-backlog')['reconnect to drain'], {
        'session present': total('session-backlog') / 2,
      });
      assert.deepEqual(answers('topic-churn')['create hook'], { 'HTTP 201': total('topic-churn') });
      assert.deepEqual(answers('topic-churn')['delete hook'], { 'exit 0': total('topic-churn') });
    },
  );

  test('the hooks ran once per topic and per group, with {topic} and {group} filled in', async () => {
    const token = /^mqleak-([0-9a-f]+)-/.exec(
      hookRequests.find((line) => line.startsWith('PUT'))?.split('/groups/')[1] ?? '',
    )?.[1];
    assert.ok(token !== undefined, `a group hook request: ${hookRequests[0]}`);
    const topicRequests = hookRequests.filter((line) => line.startsWith('POST /topics/'));
    assert.equal(topicRequests.length, total('topic-churn'));
    assert.ok(
      topicRequests.includes(`POST /topics/mqleak%2F${token}%2Ftopic%2F0?group=mqleak-${token}-group-0`),
      topicRequests[0],
    );
    const groupRequests = hookRequests.filter((line) => line.startsWith('PUT /groups/'));
    assert.equal(groupRequests.length, total('group-churn'));
    assert.ok(groupRequests.includes(`PUT /groups/mqleak-${token}-0`), groupRequests[0]);
    const deleted = (await readFile(path.join(dir, 'deleted.log'), 'utf8')).trim().split('\n');
    assert.equal(deleted.length, total('topic-churn'));
    assert.equal(new Set(deleted).size, total('topic-churn'), 'one line per topic');
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
