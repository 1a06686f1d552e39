// The connection-level patterns' wire and bookkeeping: CONNECT bytes, the rotation of variants, what a
// broker's answer is called, the protocol facts and how they reach the report. Sockets are real (a local
// TCP server where a test needs one); brokers are exercised in test/integration/scenarios-connections-*.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { answerName, attemptConnect } from '../../../src/load/clients/connect-attempt.js';
import { encodeConnect, FLAG_RESERVED, prop, PROPERTY, varInt } from '../../../src/load/wire/connect-packet.js';
import { tcpHold } from '../../../src/load/checks/tcp-check.js';
import { clientIdFor } from '../../../src/patterns/connect-churn.js';
import { GARBAGE, wayOutFor } from '../../../src/patterns/health-check-churn.js';
import { ACCEPTED_ANSWER } from '../../../src/patterns/pattern.js';
import {
  emptyProtocolFacts,
  mergeProtocolFacts,
  protocolFactsReport,
  ProtocolFacts,
} from '../../../src/patterns/shared/protocol-facts.js';
import { REJECTION_VARIANTS, rejectionAttempts, rejectionPacket } from '../../../src/patterns/rejected-connect.js';
import { serialOfWill, willPayload } from '../../../src/patterns/will-churn.js';
import type { ScenarioReport } from '../../../src/core/report-model.js';
import { protocolFactLines } from '../../../src/report/terminal/facts.js';

function parseOne(bytes: Buffer, protocolVersion: 4 | 5): Packet {
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.on('error', (error: Error) => errors.push(error));
  parser.parse(bytes);
  assert.deepEqual(errors, [], 'parses without error');
  assert.equal(packets.length, 1);
  return packets[0] as Packet;
}

test('encodeConnect writes CONNECTs that mqtt-packet reads back: 3.1.1 and 5, credentials, will, properties', () => {
  const will = { topic: 'w/t', payload: Buffer.from('bye'), qos: 1 as const, retain: true };
  const v4 = parseOne(
    encodeConnect({
      protocolName: 'MQTT',
      level: 4,
      clean: true,
      keepalive: 30,
      clientId: 'c1',
      username: 'u',
      password: 'p',
      will,
    }),
    4,
  );
  assert.equal(v4.cmd, 'connect');
  if (v4.cmd !== 'connect') return;
  assert.equal(v4.protocolVersion, 4);
  assert.equal(v4.clientId, 'c1');
  assert.equal(v4.keepalive, 30);
  assert.equal(v4.username, 'u');
  assert.equal(String(v4.password), 'p');
  assert.equal(v4.will?.topic, 'w/t');
  assert.equal(String(v4.will?.payload), 'bye');
  assert.equal(v4.will?.qos, 1);
  assert.equal(v4.will?.retain, true);

  const v5 = parseOne(
    encodeConnect({
      protocolName: 'MQTT',
      level: 5,
      clean: false,
      keepalive: 0,
      clientId: 'c2',
      properties: prop.u32(PROPERTY.sessionExpiryInterval, 10),
      will: { ...will, properties: prop.u32(PROPERTY.willDelayInterval, 3) },
    }),
    5,
  );
  if (v5.cmd !== 'connect') return assert.fail('a CONNECT');
  assert.equal(v5.protocolVersion, 5);
  assert.equal(v5.clean, false);
  assert.equal(v5.properties?.sessionExpiryInterval, 10);
  assert.equal(v5.will?.properties?.willDelayInterval, 3);
});

test(
  'encodeConnect writes what mqtt-packet will not: reserved flag, unknown level, cut-short ' +
    'packets, duplicated properties',
  () => {
    const base = { protocolName: 'MQTT', level: 4, clean: true, keepalive: 30, clientId: 'x' };
    const plain = encodeConnect(base);
    const flagged = encodeConnect({ ...base, extraFlags: FLAG_RESERVED });
    // Fixed header (2 bytes here), protocol name (2 + 4), level: the flags byte comes next.
    assert.equal((plain[9] as number) & FLAG_RESERVED, 0);
    assert.equal((flagged[9] as number) & FLAG_RESERVED, FLAG_RESERVED);
    assert.equal(encodeConnect({ ...base, level: 6 })[8], 6);
    const truncated = encodeConnect({ ...base, truncateTo: 5 });
    assert.equal(truncated.length, 2 + 5, 'only 5 bytes of the body are sent');
    assert.equal(truncated[1], plain.length - 2, 'the remaining length still announces the whole body');
    const session = prop.u32(PROPERTY.sessionExpiryInterval, 10);
    const duplicated = encodeConnect({ ...base, level: 5, properties: Buffer.concat([session, session]) });
    assert.equal(
      duplicated.indexOf(session),
      duplicated.lastIndexOf(session) - session.length,
      'the property twice in a row',
    );
    assert.deepEqual([...varInt(0)], [0]);
    assert.deepEqual([...varInt(321)], [0xc1, 0x02]);
  },
);

test('rejected-connect rotates every variant, without then with a will; each packet is what its variant says', () => {
  const all = rejectionAttempts('all', 'both');
  assert.equal(all.length, REJECTION_VARIANTS.length * 2);
  assert.deepEqual(
    all.slice(0, REJECTION_VARIANTS.length).map((attempt) => attempt.variant),
    [...REJECTION_VARIANTS],
  );
  assert.ok(all.slice(0, REJECTION_VARIANTS.length).every((attempt) => !attempt.will));
  assert.ok(all.slice(REJECTION_VARIANTS.length).every((attempt) => attempt.will));
  assert.deepEqual(rejectionAttempts('bad-password', 'with'), [{ variant: 'bad-password', will: true }]);

  const context = {
    clientId: 'c',
    willTopic: 'w',
    serial: 7,
    protocolVersion: 4 as const,
    credentials: { username: 'alice', password: 'secret' },
  };
  const packet = (variant: (typeof REJECTION_VARIANTS)[number], will = false): Buffer =>
    rejectionPacket({ variant, will }, context);
  const badPassword = parseOne(packet('bad-password', true), 4);
  if (badPassword.cmd !== 'connect') return assert.fail('a CONNECT');
  assert.equal(badPassword.username, 'alice', 'the configured user');
  assert.notEqual(String(badPassword.password), 'secret', 'with a wrong password');
  assert.equal(String(badPassword.will?.payload), '7', 'the will names its attempt');
  const anonymous = parseOne(packet('no-credentials'), 4);
  assert.ok(anonymous.cmd === 'connect' && anonymous.username === undefined && anonymous.password === undefined);
  const emptyId = parseOne(packet('rejected-client-id'), 4);
  assert.ok(
    emptyId.cmd === 'connect' && emptyId.clientId === '' && emptyId.clean === false,
    '3.1.1: empty id without clean session',
  );
  assert.equal(packet('unsupported-version')[8], 6);
  assert.equal(packet('malformed-protocol-name').subarray(4, 8).toString(), 'MQTX');
  assert.equal(packet('invalid-property')[8], 5, 'property variants are MQTT 5');
  assert.equal(packet('duplicate-property')[8], 5);
});

test(
  'health-check-churn: mixed rotates close, reset, garbage, silent; garbage is an HTTP ' + 'check, a TLS hello, zeros',
  () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => wayOutFor('mixed', i)),
      ['close', 'reset', 'garbage', 'silent', 'close'],
    );
    assert.deepEqual(
      [0, 1].map((i) => wayOutFor('silent', i)),
      ['silent', 'silent'],
    );
    const tls = GARBAGE.find((entry) => entry.name === 'tls-client-hello')?.bytes;
    assert.ok(tls !== undefined && tls.readUInt16BE(3) + 5 === tls.length, 'the TLS record length covers the hello');
    assert.match(GARBAGE[0]?.bytes.toString() ?? '', /^GET \/healthz HTTP\/1\.1\r\n/);
  },
);

test('connect-churn client ids: unique per connection, or a pool reused in turn', () => {
  assert.deepEqual(
    [0, 1, 2].map((i) => clientIdFor('p', i, 'unique', 2)),
    ['p-0', 'p-1', 'p-2'],
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => clientIdFor('p', i, 'pooled', 2)),
    ['p-p0', 'p-p1', 'p-p0'],
  );
  assert.equal(serialOfWill(willPayload(1234, 64)), 1234);
  assert.equal(willPayload(1, 64).length, 64);
});

test('protocol facts: collected per cycle, summed over the scenario, reported as held, failed or not exercised', () => {
  const facts = new ProtocolFacts();
  facts.check('will arrived', true);
  facts.check('will arrived', true);
  facts.check('first closed', false);
  facts.declare('0x8E sent');
  facts.answer('bad-password', 'connack-0x05');
  facts.answer('bad-password', 'connack-0x05');
  facts.observe('closeMs', 10);
  facts.observe('closeMs', 30);
  const first = facts.take();
  assert.deepEqual(facts.take(), {}, 'take() starts afresh');
  const total = emptyProtocolFacts();
  mergeProtocolFacts(total, first);
  mergeProtocolFacts(total, {
    checks: { 'will arrived': { expected: 1, observed: 1 } },
    answers: { 'bad-password': { [ACCEPTED_ANSWER]: 1 } },
  });
  const report = protocolFactsReport(total);
  assert.deepEqual(report.checks, {
    'will arrived': { expected: 3, observed: 3, status: 'held' },
    'first closed': { expected: 1, observed: 0, status: 'failed' },
    '0x8E sent': { expected: 0, observed: 0, status: 'not-exercised' },
  });
  assert.deepEqual(report.answers, { 'bad-password': { 'connack-0x05': 2, [ACCEPTED_ANSWER]: 1 } });
  assert.deepEqual(report.observations, { closeMs: { count: 2, min: 10, max: 30, mean: 20 } });
  assert.deepEqual(protocolFactsReport(emptyProtocolFacts()), {}, 'nothing reported when the pattern reports nothing');
});

test('the table says which checks failed and which variants the broker let through', () => {
  const style = new Chalk({ level: 0 });
  const scenario = {
    checks: {
      'first closed': { expected: 4, observed: 3, status: 'failed' },
      'will arrived': { expected: 2, observed: 2, status: 'held' },
    },
    answers: {
      'bad-password': { accepted: 5 },
      'no-credentials': { 'connack-0x05': 5 },
      'rejected-client-id': { accepted: 1, 'connack-0x02': 4 },
    },
    observations: { peakClients: { count: 1, min: 10000, max: 10000, mean: 10000 } },
  } as unknown as ScenarioReport;
  const lines = protocolFactLines(scenario, style);
  assert.ok(lines.includes('  CHECK FAILED: first closed: 3 of 4'));
  assert.ok(lines.includes('  check held: will arrived (2/2)'));
  assert.ok(lines.includes('  not exercised bad-password: accepted ×5'));
  assert.ok(lines.includes('  answered no-credentials: connack-0x05 ×5'));
  assert.ok(lines.includes('  partly exercised rejected-client-id: connack-0x02 ×4, accepted ×1'));
  assert.ok(lines.includes('  observed peakClients: 10,000'));
});

async function localServer(
  onSocket: (socket: net.Socket) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test('tcpHold: who ended a silent or garbage connection, and when', async () => {
  const patient = await localServer((socket) => socket.resume());
  const silent = await tcpHold('127.0.0.1', patient.port, null, 100, 2000);
  assert.equal(silent.end, 'gave-up');
  assert.ok(silent.ms >= 90);
  await patient.close();
  const strict = await localServer((socket) => socket.once('data', () => socket.end()));
  const garbage = await tcpHold('127.0.0.1', strict.port, Buffer.from('GET / HTTP/1.1\r\n\r\n'), 5000, 2000);
  assert.equal(garbage.end, 'broker-closed');
  await strict.close();
});

test('attemptConnect names what a broker answered: CONNACK codes, a close, silence', async () => {
  const connack = (code: number): Buffer => Buffer.from([0x20, 0x02, 0x00, code]);
  const refusing = await localServer((socket) => socket.once('data', () => socket.end(connack(5))));
  const base = encodeConnect({ protocolName: 'MQTT', level: 4, clean: true, keepalive: 30, clientId: 'x' });
  assert.equal(answerName(await attemptConnect('127.0.0.1', refusing.port, base, 4, 2000)), 'connack-0x05');
  await refusing.close();
  const accepting = await localServer((socket) => socket.once('data', () => socket.write(connack(0))));
  assert.deepEqual(await attemptConnect('127.0.0.1', accepting.port, base, 4, 2000), { kind: 'connack', code: 0 });
  await accepting.close();
  const closing = await localServer((socket) => socket.once('data', () => socket.end()));
  assert.equal(answerName(await attemptConnect('127.0.0.1', closing.port, base, 4, 2000)), 'closed');
  await closing.close();
  const mute = await localServer((socket) => socket.resume());
  assert.equal(answerName(await attemptConnect('127.0.0.1', mute.port, base, 4, 100)), 'timeout');
  await mute.close();
});
