import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import mqttPacket, { type Packet } from 'mqtt-packet';
import {
  decodePacket,
  feedFrames,
  FrameError,
  MAX_INBOUND_PACKET_BYTES,
  packetEnd,
  type FrameSink,
  type FrameState,
} from '../../../src/load/wire/packet-framer.js';
import { RawMqttConnection } from '../../../src/load/clients/raw-mqtt-client.js';
import { OperationFailure } from '../../../src/load/pacing/run-operations.js';

const V4 = { protocolVersion: 4 } as const;

/** A sink that decodes every frame (copying shared bytes, as the raw client does) into a list. */
class Collect implements FrameState, FrameSink {
  partial: Buffer | null = null;
  partialFilled = 0;
  readonly packets: Packet[] = [];
  onFrame(bytes: Buffer, shared: boolean): boolean {
    this.packets.push(decodePacket(shared ? Buffer.from(bytes) : bytes, 4));
    return true;
  }
}

const stream = (): Buffer =>
  Buffer.concat([
    mqttPacket.generate({ cmd: 'connack', sessionPresent: true, returnCode: 0 }, V4),
    mqttPacket.generate({ cmd: 'suback', messageId: 7, granted: [1] }, V4),
    // 200 bytes of payload: a two-byte remaining length.
    mqttPacket.generate(
      {
        cmd: 'publish',
        topic: 't/1',
        payload: Buffer.alloc(200, 0x61),
        qos: 1,
        messageId: 9,
        dup: false,
        retain: false,
      },
      V4,
    ),
    mqttPacket.generate({ cmd: 'pingresp' }, V4),
    mqttPacket.generate(
      { cmd: 'publish', topic: 't/2', payload: Buffer.from('x'), qos: 0, dup: false, retain: false },
      V4,
    ),
  ]);

function summary(packets: Packet[]): string[] {
  return packets.map((p) =>
    p.cmd === 'publish'
      ? `publish ${p.topic} ${Buffer.from(p.payload).toString('latin1')}`
      : p.cmd === 'suback'
        ? `suback ${p.messageId}`
        : p.cmd,
  );
}

test('framer: several packets in one read come out whole and in order', () => {
  const sink = new Collect();
  feedFrames(sink, stream(), false, sink);
  assert.deepEqual(summary(sink.packets), [
    'connack',
    'suback 7',
    `publish t/1 ${'a'.repeat(200)}`,
    'pingresp',
    'publish t/2 x',
  ]);
  assert.equal(sink.partial, null);
});

test('framer: a stream cut at every byte, and byte by byte, gives the same packets', () => {
  const bytes = stream();
  const expected = (() => {
    const whole = new Collect();
    feedFrames(whole, bytes, false, whole);
    return summary(whole.packets);
  })();
  for (let cut = 1; cut < bytes.length; cut++) {
    const sink = new Collect();
    // Shared reads: the same scratch buffer overwritten by each read, as with node's onread.
    const scratch = Buffer.alloc(bytes.length);
    for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
      part.copy(scratch);
      feedFrames(sink, scratch.subarray(0, part.length), true, sink);
      scratch.fill(0xee);
    }
    assert.deepEqual(summary(sink.packets), expected, `cut at byte ${cut}`);
    assert.equal(sink.partial, null);
  }
  const sink = new Collect();
  for (let i = 0; i < bytes.length; i++) feedFrames(sink, bytes.subarray(i, i + 1), false, sink);
  assert.deepEqual(summary(sink.packets), expected);
});

test('framer: packetEnd reads the remaining-length varint; incomplete headers wait for more', () => {
  assert.equal(packetEnd(Buffer.from([0x20]), 0), -1);
  assert.equal(packetEnd(Buffer.from([0x20, 0x02]), 0), 4);
  assert.equal(packetEnd(Buffer.from([0x30, 0xc8]), 0), -1); // continuation bit set, next byte missing
  assert.equal(packetEnd(Buffer.from([0x30, 0xc8, 0x01]), 0), 3 + 200);
  // A packet starting mid-read.
  assert.equal(packetEnd(Buffer.from([0xff, 0x30, 0xd0, 0x02]), 1), 1 + 3 + 0x50 + 0x02 * 128);
});

test(
  'framer: an invalid or oversized remaining length is a FrameError; the raw client fails ' + 'with bad-packet',
  async () => {
    assert.throws(() => packetEnd(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0), FrameError);
    // 0xff 0xff 0xff 0x7f: 268,435,455 bytes, the protocol's maximum, and over mqleak's limit.
    assert.throws(() => packetEnd(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), 0), /over the \d+-byte limit/);
    assert.ok(MAX_INBOUND_PACKET_BYTES > 1_048_576, 'room for the largest payload a pattern sends');
    const sink = new Collect();
    assert.throws(
      () => feedFrames(sink, Buffer.from([0x20, 0x02, 0x00, 0x00, 0x30, 0x80, 0x80, 0x80, 0x80]), false, sink),
      FrameError,
    );
    assert.deepEqual(summary(sink.packets), ['connack'], 'packets before the bad one were delivered');
    assert.throws(
      () => decodePacket(Buffer.from([0x30, 0x03, 0x00, 0x05, 0x61]), 4),
      FrameError,
      'a PUBLISH whose topic runs past the packet',
    );
    // The shared decoder is fine after an error.
    assert.equal(decodePacket(mqttPacket.generate({ cmd: 'pingresp' }, V4), 4).cmd, 'pingresp');

    // A "broker" that answers CONNECT with a CONNACK whose length runs past 4 varint bytes.
    const server = net.createServer((socket) =>
      socket.once('data', () => socket.write(Buffer.from([0x20, 0xff, 0xff, 0xff, 0xff, 0x01]))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await assert.rejects(
        RawMqttConnection.connect({
          host: '127.0.0.1',
          port,
          clientId: 'framer-bad',
          protocolVersion: 4,
          keepalive: 30,
          clean: true,
          timeoutMs: 2000,
        }),
        (error: unknown) => error instanceof OperationFailure && error.kind === 'bad-packet',
      );
    } finally {
      server.close();
    }
  },
);

test(
  'raw client over onread: CONNACK with packets behind it in one write, a PUBLISH cut across ' +
    'writes, close heard once',
  async () => {
    const big = Buffer.alloc(100_000, 0x62); // over the 64 KiB shared read buffer: arrives in several reads
    const server = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write(
          Buffer.concat([
            mqttPacket.generate({ cmd: 'connack', sessionPresent: true, returnCode: 0 }, V4),
            mqttPacket.generate({ cmd: 'suback', messageId: 3, granted: [0] }, V4),
          ]),
        );
        const publish = mqttPacket.generate(
          { cmd: 'publish', topic: 'big', payload: big, qos: 0, dup: false, retain: false },
          V4,
        );
        socket.write(publish.subarray(0, 3));
        setTimeout(() => socket.end(publish.subarray(3)), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const packets: Packet[] = [];
    let closes = 0;
    try {
      const closed = new Promise<void>((resolve) => {
        void RawMqttConnection.connect({
          host: '127.0.0.1',
          port,
          clientId: 'framer-ok',
          protocolVersion: 4,
          keepalive: 30,
          clean: true,
          timeoutMs: 2000,
          onPacket: (packet) => packets.push(packet),
          onClose: () => {
            closes++;
            resolve();
          },
        }).then((connection) => {
          assert.equal(connection.connack.sessionPresent, true);
          assert.equal(connection.connack.returnCode, 0);
        });
      });
      await closed;
      assert.equal(closes, 1);
      assert.deepEqual(
        packets.map((p) => p.cmd),
        ['suback', 'publish'],
      );
      const publish = packets[1];
      assert.ok(publish?.cmd === 'publish');
      assert.ok(Buffer.from(publish.payload).equals(big), 'the payload survived later reads into the shared buffer');
    } finally {
      server.close();
    }
  },
);
