// The subscription- and message-level patterns' building blocks: their pure rules, the admin hooks
// (a real local HTTP server, a real shell command), and the raw MQTT session against a real in-process
// Aedes broker (plus two bare TCP servers for the broker that never answers and the one that hangs up).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import mqttPacket from 'mqtt-packet';
import { fillPlaceholders, parseHook, runHook } from '../../../src/load/bridge/admin-hook.js';
import { MqttSession, type SessionOptions } from '../../../src/load/clients/mqtt-session.js';
import { OperationFailure } from '../../../src/load/pacing/run-operations.js';
import { SessionPool } from '../../../src/load/clients/session-pool.js';
import { groupDissolve, deliveryAnswer } from '../../../src/patterns/group-churn.js';
import { abandonMode } from '../../../src/patterns/inflight-abandon.js';
import { Arrivals, addTallies, type SessionBase } from '../../../src/patterns/shared/session-kit.js';
import { sessionOutcome } from '../../../src/patterns/session-backlog.js';
import { subackAnswer, subscriptionFilters, subscriptionWayOut } from '../../../src/patterns/subscription-churn.js';
import { checkTopicTemplate, observerFilter, topicFromTemplate } from '../../../src/patterns/topic-churn.js';
import { startAedesBroker, type RunningBroker } from '../../../src/target/embedded-broker.js';
import { startTcpPeer, type TcpPeer } from '../../helpers/brokers.js';

describe('pattern rules', () => {
  test(
    'subscription-churn: mixed rotates through the four ways out; filters are unique, every ' + 'other one a wildcard',
    () => {
      assert.deepEqual(
        [0, 1, 2, 3, 4].map((i) => subscriptionWayOut('mixed', i)),
        ['unsubscribe', 'disconnect', 'vanish', 'before-suback', 'unsubscribe'],
      );
      assert.equal(subscriptionWayOut('vanish', 3), 'vanish');
      assert.deepEqual(subscriptionFilters('t/7', 4, true), ['t/7/0', 't/7/1/+/leaf', 't/7/2', 't/7/3/#']);
      assert.deepEqual(subscriptionFilters('t/7', 2, false), ['t/7/0', 't/7/1']);
      assert.equal(subackAnswer(1), 'granted-1');
      assert.equal(subackAnswer(0x80), 'refused-128');
    },
  );

  test('topic-churn: topic names from the template, the observer filter from its fixed levels', () => {
    assert.equal(topicFromTemplate('mqleak/{run}/topic/{n}', 'ab12', 5), 'mqleak/ab12/topic/5');
    assert.equal(observerFilter('mqleak/{run}/topic/{n}', 'ab12'), 'mqleak/ab12/topic/#');
    assert.equal(observerFilter('mqleak-{run}-{n}', 'ab12'), '#');
    assert.equal(observerFilter('a/{n}/b', 'ab12'), 'a/#');
    assert.doesNotThrow(() => checkTopicTemplate('t-{run}-{n}'));
    assert.throws(() => checkTopicTemplate('t/{run}'), /must contain \{n\}/);
    assert.throws(() => checkTopicTemplate('t/{n}; rm -rf x'), /only letters/);
    assert.throws(() => checkTopicTemplate('t/+/{n}'), /only letters/);
  });

  test('group, session and inflight modes alternate under mixed; deliveries are once, duplicated or lost', () => {
    assert.deepEqual(
      [0, 1, 2].map((i) => groupDissolve('mixed', i)),
      ['unsubscribe', 'vanish', 'unsubscribe'],
    );
    assert.equal(groupDissolve('vanish', 0), 'vanish');
    assert.deepEqual(
      [0, 1].map((i) => sessionOutcome('mixed', i)),
      ['drain', 'expire'],
    );
    assert.equal(sessionOutcome('drain', 1), 'drain');
    assert.deepEqual(
      [0, 1].map((i) => abandonMode('mixed', i)),
      ['qos2-publish', 'qos1-delivery'],
    );
    assert.equal(abandonMode('qos1-delivery', 0), 'qos1-delivery');
    assert.deepEqual([0, 1, 2].map(deliveryAnswer), ['lost', 'once', 'duplicated']);
  });

  test('addTallies sums failures by kind; Arrivals wakes a waiter at its target or at the bound', async () => {
    const sum = addTallies([
      { attempted: 5, failures: 1, failureKinds: { timeout: 1 }, timedOut: false },
      { attempted: 5, failures: 2, failureKinds: { timeout: 1, 'no-puback': 1 }, timedOut: true },
    ]);
    assert.deepEqual(sum, { attempted: 10, failures: 3, failureKinds: { timeout: 2, 'no-puback': 1 }, timedOut: true });
    const arrivals = new Arrivals();
    const signal = new AbortController().signal;
    const waiting = arrivals.waitFor(2, 60_000, signal);
    arrivals.add();
    arrivals.add();
    assert.equal(await waiting, 2);
    assert.equal(await arrivals.waitFor(3, 20, signal), 2);
  });
});

describe('admin hooks', () => {
  let server: http.Server;
  let port: number;
  const requests: string[] = [];
  let dir: string;
  before(async () => {
    server = http.createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      if (request.url?.startsWith('/hang')) return; // never answers: the hook's timeout ends it
      response.statusCode = request.url?.startsWith('/fail') ? 500 : 204;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as net.AddressInfo).port;
    dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-hooks-'));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  test('parseHook: a URL (with an optional method) is a request, anything else a command, empty is none', () => {
    assert.equal(parseHook('  ', 'POST'), null);
    assert.deepEqual(parseHook('http://127.0.0.1:1/t/{topic}', 'DELETE'), {
      kind: 'http',
      method: 'DELETE',
      url: 'http://127.0.0.1:1/t/{topic}',
    });
    assert.deepEqual(parseHook('PUT https://admin.example/t', 'POST'), {
      kind: 'http',
      method: 'PUT',
      url: 'https://admin.example/t',
    });
    assert.deepEqual(parseHook('mqadmin updateTopic -t {topic}', 'POST'), {
      kind: 'command',
      command: 'mqadmin updateTopic -t {topic}',
    });
    assert.equal(
      fillPlaceholders('/t/{topic}/{group}/{other}', { topic: 'a/b', group: 'g' }, encodeURIComponent),
      '/t/a%2Fb/g/{other}',
    );
  });

  test(
    'HTTP hooks: the request goes out with the placeholders filled; status, refusal and ' + 'timeout are answers',
    async () => {
      const values = { topic: 'mqleak/x/topic/1', group: 'g1' };
      assert.deepEqual(
        await runHook(parseHook(`http://127.0.0.1:${port}/topics/{topic}?group={group}`, 'POST')!, values, 5000),
        { ok: true, answer: 'HTTP 204' },
      );
      assert.deepEqual(await runHook(parseHook(`http://127.0.0.1:${port}/fail`, 'DELETE')!, values, 5000), {
        ok: false,
        answer: 'HTTP 500',
      });
      assert.deepEqual(await runHook(parseHook(`http://127.0.0.1:${port}/hang`, 'POST')!, values, 200), {
        ok: false,
        answer: 'timeout',
      });
      assert.deepEqual(requests.slice(0, 2), ['POST /topics/mqleak%2Fx%2Ftopic%2F1?group=g1', 'DELETE /fail']);
      const closed = await new Promise<number>((resolve) => {
        const probe = net.createServer().listen(0, '127.0.0.1', () => {
          const free = (probe.address() as net.AddressInfo).port;
          probe.close(() => resolve(free));
        });
      });
      assert.deepEqual(await runHook(parseHook(`http://127.0.0.1:${closed}/`, 'POST')!, values, 5000), {
        ok: false,
        answer: 'ECONNREFUSED',
      });
    },
  );

  test('command hooks: run by sh with the placeholders filled; exit status and timeout are answers', async () => {
    const file = path.join(dir, 'hooks.log');
    const append = parseHook(`echo create {topic} {group} >> ${file}`, 'POST')!;
    assert.deepEqual(await runHook(append, { topic: 'mqleak/x/topic/1', group: 'g1' }, 5000), {
      ok: true,
      answer: 'exit 0',
    });
    assert.deepEqual(await runHook(append, { topic: 'mqleak/x/topic/2', group: 'g2' }, 5000), {
      ok: true,
      answer: 'exit 0',
    });
    assert.equal(await readFile(file, 'utf8'), 'create mqleak/x/topic/1 g1\ncreate mqleak/x/topic/2 g2\n');
    assert.deepEqual(await runHook(parseHook('exit 3', 'POST')!, {}, 5000), { ok: false, answer: 'exit 3' });
    // The whole process group is killed: `sleep` would otherwise outlive its shell.
    assert.deepEqual(await runHook(parseHook(`sleep 30; echo late >> ${file}`, 'POST')!, {}, 200), {
      ok: false,
      answer: 'timeout',
    });
  });
});

describe('MqttSession against a real Aedes broker', () => {
  let broker: RunningBroker;
  let base: SessionBase;
  let serial = 0;
  const open = (extra: Partial<SessionOptions> = {}): Promise<MqttSession> =>
    MqttSession.open({ ...base, clientId: `unit-${serial++}`, clean: true, ...extra });
  before(async () => {
    broker = await startAedesBroker('127.0.0.1', 0);
    base = { host: '127.0.0.1', port: broker.port, protocolVersion: 4, timeoutMs: 5000 };
  });
  after(async () => broker.close());

  test('SUBSCRIBE, QoS 0/1/2 PUBLISH and UNSUBSCRIBE flows complete; deliveries reach the listener', async () => {
    const received: string[] = [];
    const arrivals = new Arrivals();
    const subscriber = await open({
      onMessage: (packet) => {
        received.push(`${packet.topic}=${packet.payload.toString()}`);
        arrivals.add();
      },
    });
    assert.deepEqual(
      await subscriber.subscribe([
        { topic: 'flows/+', qos: 2 },
        { topic: 'flows/x/#', qos: 1 },
      ]),
      [2, 1],
    );
    const publisher = await open();
    await publisher.publish('flows/a', 'q0', { qos: 0 });
    await publisher.publish('flows/b', 'q1', { qos: 1 });
    await publisher.publish('flows/c', 'q2', { qos: 2 });
    assert.equal(await arrivals.waitFor(3, 5000, new AbortController().signal), 3);
    assert.deepEqual(received.sort(), ['flows/a=q0', 'flows/b=q1', 'flows/c=q2']);
    await subscriber.unsubscribe(['flows/+', 'flows/x/#']);
    await publisher.publish('flows/d', 'after', { qos: 1 });
    await subscriber.disconnect();
    assert.equal(subscriber.closed, true);
    assert.ok(!received.includes('flows/d=after'));
    // QoS 2 left at PUBREC: the publish resolves without PUBREL and the broker keeps waiting for it.
    await publisher.publish('flows/e', 'held', { qos: 2, release: false });
    publisher.vanish();
  });

  test('a resumed persistent session gets its backlog, even when it follows the CONNACK in the same read', async () => {
    const clientId = `unit-resume-${serial++}`;
    const first = await MqttSession.open({ ...base, clientId, clean: false });
    assert.equal(first.sessionPresent, false);
    await first.subscribe([{ topic: 'backlog/t', qos: 1 }]);
    await first.disconnect();
    const publisher = await open();
    for (let i = 0; i < 3; i++) await publisher.publish('backlog/t', `m${i}`, { qos: 1 });
    await publisher.disconnect();
    const arrivals = new Arrivals();
    const resumed = await MqttSession.open({ ...base, clientId, clean: false, onMessage: () => arrivals.add() });
    assert.equal(resumed.sessionPresent, true);
    assert.equal(await arrivals.waitFor(3, 5000, new AbortController().signal), 3);
    await resumed.disconnect();
    const discarded = await MqttSession.open({ ...base, clientId, clean: true });
    assert.equal(discarded.sessionPresent, false);
    await discarded.disconnect();
  });

  test('subscribeAndLeave closes right behind the SUBSCRIBE', async () => {
    const session = await open();
    await session.subscribeAndLeave([{ topic: 'leave/t', qos: 1 }]);
    assert.equal(session.closed, true);
    await assert.rejects(
      session.subscribe([{ topic: 'leave/t', qos: 1 }]),
      (error: unknown) => error instanceof OperationFailure && error.kind === 'closed',
    );
  });

  test('SessionPool lends one session per operation in flight and replaces one the broker closed', async () => {
    let opened = 0;
    const pool = new SessionPool(async () => {
      opened++;
      return open();
    });
    await Promise.all(
      Array.from({ length: 6 }, () => pool.use(async () => new Promise((resolve) => setTimeout(resolve, 20)))),
    );
    assert.equal(opened, 6);
    await pool.use(async () => undefined);
    assert.equal(opened, 6, 'an idle session is reused');
    await pool.use(async (session) => session.vanish());
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(pool.size, 5);
    await pool.close();
    assert.equal(pool.size, 0);
  });
});

describe('MqttSession against servers that misbehave', () => {
  /** A TCP server that answers CONNECT with CONNACK, then does `afterConnack` with every later packet. */
  function fakeBroker(afterConnack: (socket: net.Socket) => void): Promise<TcpPeer> {
    return startTcpPeer((socket) => {
      let connected = false;
      socket.on('data', () => {
        if (connected) return afterConnack(socket);
        connected = true;
        socket.write(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      });
    });
  }

  test('no SUBACK within the bound: no-suback; the broker hangs up instead: closed-before-suback', async () => {
    const silent = await fakeBroker(() => undefined);
    const hangsUp = await fakeBroker((socket) => socket.destroy());
    try {
      const options = {
        host: '127.0.0.1',
        protocolVersion: 4 as const,
        clientId: 'misbehave',
        clean: true,
        timeoutMs: 150,
      };
      const waiting = await MqttSession.open({ ...options, port: silent.port });
      await assert.rejects(
        waiting.subscribe([{ topic: 't', qos: 1 }]),
        (error: unknown) => error instanceof OperationFailure && error.kind === 'no-suback',
      );
      waiting.vanish();
      const dropped = await MqttSession.open({ ...options, port: hangsUp.port });
      await assert.rejects(
        dropped.subscribe([{ topic: 't', qos: 1 }]),
        (error: unknown) => error instanceof OperationFailure && error.kind === 'closed-before-suback',
      );
    } finally {
      await silent.close();
      await hangsUp.close();
    }
  });
});
