// The grammar's encoder against mqtt-packet: for the same valid packet, the same bytes. The invalid
// packets the cases need come from this encoder alone (mqtt-packet refuses to write them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket, { type Packet } from 'mqtt-packet';
import {
  ack,
  connect,
  propertyBlock,
  propertyBytes,
  publish,
  reasonOnly,
  subscribe,
  unsubscribe,
  pingreq,
} from '../../../src/protocol/encode.js';
import { property } from '../../../src/protocol/properties.js';

function generated(packet: Packet, protocolVersion: 4 | 5): string {
  return mqttPacket.generate(packet, { protocolVersion }).toString('hex');
}

for (const level of [4, 5] as const) {
  test(`MQTT ${level === 5 ? '5.0' : '3.1.1'} CONNECT with will and credentials: the bytes mqtt-packet writes`, () => {
    const ours = connect({
      level,
      clean: false,
      keepAlive: 30,
      clientId: 'client-1',
      properties: level === 5 ? propertyBlock([propertyBytes(property('sessionExpiryInterval'), 30)]) : undefined,
      will: {
        topic: 'a/will',
        payload: Buffer.from('gone'),
        qos: 1,
        retain: true,
        properties: level === 5 ? propertyBlock([]) : undefined,
      },
      username: 'user',
      password: Buffer.from('pass'),
    });
    const theirs = generated(
      {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: level,
        clean: false,
        keepalive: 30,
        clientId: 'client-1',
        ...(level === 5 ? { properties: { sessionExpiryInterval: 30 } } : {}),
        will: {
          topic: 'a/will',
          payload: Buffer.from('gone'),
          qos: 1,
          retain: true,
          ...(level === 5 ? { properties: {} } : {}),
        },
        username: 'user',
        password: Buffer.from('pass'),
      },
      level,
    );
    assert.equal(ours.bytes.toString('hex'), theirs);
  });

  test(
    `MQTT ${level === 5 ? '5.0' : '3.1.1'} PUBLISH, SUBSCRIBE, UNSUBSCRIBE, acks, PINGREQ, DISCONNECT: the ` +
      'bytes mqtt-packet writes',
    () => {
      assert.equal(
        publish({
          level,
          topic: 'a/b',
          qos: 1,
          packetId: 7,
          payload: Buffer.from('x'),
          ...(level === 5 ? { properties: propertyBlock([propertyBytes(property('messageExpiryInterval'), 9)]) } : {}),
        }).bytes.toString('hex'),
        generated(
          {
            cmd: 'publish',
            topic: 'a/b',
            qos: 1,
            messageId: 7,
            dup: false,
            retain: false,
            payload: Buffer.from('x'),
            ...(level === 5 ? { properties: { messageExpiryInterval: 9 } } : {}),
          },
          level,
        ),
      );
      assert.equal(
        subscribe({
          level,
          packetId: 3,
          subscriptions: [
            { filter: 'a/#', options: 1 },
            { filter: 'b/+', options: 2 },
          ],
        }).bytes.toString('hex'),
        generated(
          {
            cmd: 'subscribe',
            messageId: 3,
            subscriptions: [
              { topic: 'a/#', qos: 1, ...(level === 5 ? { nl: false, rap: false, rh: 0 } : {}) },
              { topic: 'b/+', qos: 2, ...(level === 5 ? { nl: false, rap: false, rh: 0 } : {}) },
            ],
            ...(level === 5 ? { properties: {} } : {}),
          } as Packet,
          level,
        ),
      );
      assert.equal(
        unsubscribe({ level, packetId: 4, filters: ['a/#', 'b'] }).bytes.toString('hex'),
        generated(
          {
            cmd: 'unsubscribe',
            messageId: 4,
            unsubscriptions: ['a/#', 'b'],
            ...(level === 5 ? { properties: {} } : {}),
          } as Packet,
          level,
        ),
      );
      for (const type of ['PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP'] as const)
        assert.equal(
          ack(type, { level, packetId: 5 }).bytes.toString('hex'),
          generated({ cmd: type.toLowerCase(), messageId: 5 } as Packet, level),
          type,
        );
      assert.equal(pingreq().bytes.toString('hex'), generated({ cmd: 'pingreq' }, level));
      assert.equal(reasonOnly('DISCONNECT', { level }).bytes.toString('hex'), generated({ cmd: 'disconnect' }, level));
    },
  );
}

test(
  'MQTT 5.0 acks with a reason code and a reason string, DISCONNECT and AUTH with properties: the bytes ' +
    'mqtt-packet writes',
  () => {
    const reason = propertyBlock([propertyBytes(property('reasonString'), 'why')]);
    assert.equal(
      ack('PUBACK', { level: 5, packetId: 5, reasonCode: 0x10, properties: reason }).bytes.toString('hex'),
      generated({ cmd: 'puback', messageId: 5, reasonCode: 0x10, properties: { reasonString: 'why' } } as Packet, 5),
    );
    assert.equal(
      reasonOnly('DISCONNECT', { level: 5, reasonCode: 0x04, properties: reason }).bytes.toString('hex'),
      generated({ cmd: 'disconnect', reasonCode: 0x04, properties: { reasonString: 'why' } } as Packet, 5),
    );
    const auth = propertyBlock([propertyBytes(property('authenticationMethod'), 'm')]);
    assert.equal(
      reasonOnly('AUTH', { level: 5, reasonCode: 0x18, properties: auth }).bytes.toString('hex'),
      generated({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'm' } } as Packet, 5),
    );
  },
);

test('user properties (the one repeatable property) are written as mqtt-packet writes them', () => {
  const ours = connect({
    level: 5,
    clean: true,
    keepAlive: 10,
    clientId: 'c',
    properties: propertyBlock([
      propertyBytes(property('userProperty'), ['k', 'v1']),
      propertyBytes(property('receiveMaximum'), 20),
    ]),
  });
  const theirs = generated(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive: 10,
      clientId: 'c',
      properties: { userProperties: { k: 'v1' }, receiveMaximum: 20 },
    },
    5,
  );
  // mqtt-packet writes properties in its own table's order; compare the packets decoded, then their lengths.
  assert.equal(ours.bytes.length, Buffer.from(theirs, 'hex').length);
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const decoded: Packet[] = [];
  parser.on('packet', (packet: Packet) => decoded.push(packet));
  parser.parse(ours.bytes);
  assert.deepEqual(JSON.parse(JSON.stringify((decoded[0] as { properties?: unknown }).properties)), {
    userProperties: { k: 'v1' },
    receiveMaximum: 20,
  });
});

test('field boundaries: every cut point lies inside the packet, in order, the last one at its end', () => {
  const packet = connect({
    level: 5,
    clean: true,
    keepAlive: 1,
    clientId: 'c',
    username: 'u',
    password: Buffer.from('p'),
  });
  const offsets = packet.boundaries.map((b) => b.offset);
  assert.deepEqual(
    [...offsets].sort((a, b) => a - b),
    offsets,
  );
  assert.equal(offsets.at(-1), packet.bytes.length);
  assert.deepEqual(
    packet.boundaries.slice(2).map((b) => b.after),
    [
      'protocol name',
      'protocol level',
      'connect flags',
      'keep alive',
      'properties',
      'client id',
      'user name',
      'password',
    ],
  );
});
