import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import { runCallbackPool } from '../../../src/load/pacing/callback-pool.js';
import {
  connectTemplate,
  encodeChurnConnect,
  type ChurnConnectOptions,
} from '../../../src/load/clients/churn-connection.js';
import { OperationFailure } from '../../../src/load/pacing/run-operations.js';

/** Parses one packet with mqtt-packet, as a broker would read it. */
function parseOne(buffer: Buffer, protocolVersion: 4 | 5): Packet {
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: Packet[] = [];
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.on('error', (error: Error) => assert.fail(`mqtt-packet refused the CONNECT: ${error.message}`));
  parser.parse(buffer);
  assert.equal(packets.length, 1, 'exactly one packet');
  return packets[0] as Packet;
}

function generated(options: ChurnConnectOptions, clientId: string): Buffer {
  return mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: options.protocolVersion,
      clientId,
      clean: options.clean,
      keepalive: options.keepalive,
      ...options.connectExtras,
    },
    { protocolVersion: options.protocolVersion },
  );
}

test(
  'churn CONNECT, MQTT 3.1.1 with credentials: reads back with mqtt-packet, byte for byte ' + 'what mqtt-packet writes',
  () => {
    const options: ChurnConnectOptions = {
      protocolVersion: 4,
      keepalive: 30,
      clean: true,
      connectExtras: { username: 'alice', password: Buffer.from('s3cret') },
    };
    const template = connectTemplate(options);
    for (const clientId of ['mqleak-r1-0', 'mqleak-r1-p99', 'ü-client-€']) {
      const bytes = encodeChurnConnect(template, clientId);
      assert.deepEqual(bytes, generated(options, clientId));
      const packet = parseOne(bytes, 4) as IConnectPacket;
      assert.equal(packet.cmd, 'connect');
      assert.equal(packet.protocolVersion, 4);
      assert.equal(packet.clientId, clientId);
      assert.equal(packet.keepalive, 30);
      assert.equal(packet.clean, true);
      assert.equal(packet.username, 'alice');
      assert.equal(packet.password?.toString(), 's3cret');
    }
  },
);

test('churn CONNECT, MQTT 5 with properties, a will and a user name: every field reads back', () => {
  const options: ChurnConnectOptions = {
    protocolVersion: 5,
    keepalive: 0,
    clean: false,
    connectExtras: {
      username: 'bob',
      properties: { sessionExpiryInterval: 120, receiveMaximum: 10, userProperties: { run: 'r1' } },
      will: {
        topic: 'mqleak/will',
        payload: Buffer.from('gone'),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: 5 },
      },
    },
  };
  const template = connectTemplate(options);
  const bytes = encodeChurnConnect(template, 'mqleak-r1-7');
  assert.deepEqual(bytes, generated(options, 'mqleak-r1-7'));
  const packet = parseOne(bytes, 5) as IConnectPacket;
  assert.equal(packet.protocolVersion, 5);
  assert.equal(packet.clientId, 'mqleak-r1-7');
  assert.equal(packet.clean, false);
  assert.equal(packet.username, 'bob');
  assert.equal(packet.properties?.sessionExpiryInterval, 120);
  assert.equal(packet.properties?.receiveMaximum, 10);
  assert.deepEqual({ ...packet.properties?.userProperties }, { run: 'r1' });
  assert.equal(packet.will?.topic, 'mqleak/will');
  assert.equal(packet.will?.payload.toString(), 'gone');
  assert.equal(packet.will?.properties?.willDelayInterval, 5);
});

test('churn CONNECT longer than 127 bytes: the remaining length takes two bytes and still reads back', () => {
  const options: ChurnConnectOptions = {
    protocolVersion: 5,
    keepalive: 60,
    clean: true,
    connectExtras: { password: Buffer.alloc(150, 0x61), username: 'u' },
  };
  const clientId = `id-${'z'.repeat(200)}`;
  const bytes = encodeChurnConnect(connectTemplate(options), clientId);
  assert.ok(bytes[1]! >= 0x80, 'a two-byte remaining length');
  assert.deepEqual(bytes, generated(options, clientId));
  const packet = parseOne(bytes, 5) as IConnectPacket;
  assert.equal(packet.clientId, clientId);
  assert.equal(packet.password?.length, 150);
});

test(
  'runCallbackPool: runs every operation within the concurrency bound, tallies failures by ' +
    'kind, thrown starts included',
  async () => {
    let inFlight = 0;
    let peak = 0;
    const tally = await runCallbackPool(40, 3, Date.now() + 10_000, new AbortController().signal, (index, done) => {
      if (index === 7) throw new OperationFailure('ECONNREFUSED');
      inFlight++;
      peak = Math.max(peak, inFlight);
      setImmediate(() => {
        inFlight--;
        done(index % 10 === 3 ? 'connack-5' : index === 5 ? 'timeout' : null);
      });
    });
    assert.equal(tally.attempted, 40);
    assert.equal(tally.failures, 6);
    assert.deepEqual(tally.failureKinds, { 'connack-5': 4, timeout: 1, ECONNREFUSED: 1 });
    assert.equal(tally.timedOut, false);
    assert.equal(peak, 3);
  },
);

test(
  'runCallbackPool: synchronous completions neither recurse nor stall; the deadline and the ' +
    'signal stop new starts',
  async () => {
    const sync = await runCallbackPool(10_000, 4, Date.now() + 10_000, new AbortController().signal, (_, done) =>
      done(null),
    );
    assert.equal(sync.attempted, 10_000);
    assert.equal(sync.failures, 0);

    const late = await runCallbackPool(10, 2, Date.now() - 1, new AbortController().signal, (_, done) => done(null));
    assert.equal(late.attempted, 0);
    assert.equal(late.timedOut, true);

    const controller = new AbortController();
    const aborted = await runCallbackPool(1000, 2, Date.now() + 10_000, controller.signal, (index, done) => {
      if (index === 9) controller.abort();
      setImmediate(() => done(null));
    });
    assert.equal(aborted.attempted, 10);

    const none = await runCallbackPool(0, 5, Date.now() + 10_000, new AbortController().signal, () =>
      assert.fail('no operation'),
    );
    assert.equal(none.attempted, 0);
  },
);
