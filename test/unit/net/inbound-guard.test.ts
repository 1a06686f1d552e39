// The MQTT.js connections' guard (net/inbound-guard.ts): follows packet boundaries without buffering, refuses
// an announced length past the cap, whatever the cuts between reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_INBOUND_PACKET_BYTES } from '../../../src/core/inbound-limits.js';
import { varInt } from '../../../src/core/var-int.js';
import { PacketLengthGuard } from '../../../src/net/inbound-guard.js';

const frame = fc
  .tuple(fc.integer({ min: 1, max: 15 }), fc.uint8Array({ maxLength: 300 }))
  .map(([type, body]) => Buffer.concat([Buffer.from([type << 4]), varInt(body.length), body]));

function feedInCuts(guard: PacketLengthGuard, bytes: Buffer, cuts: number[]): string | null {
  let from = 0;
  for (const point of [...cuts.map((cut) => cut % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
    if (point <= from) continue;
    const problem = guard.feed(bytes.subarray(from, point));
    if (problem !== null) return problem;
    from = point;
  }
  return null;
}

test('well-formed frames in any cuts pass', () => {
  fc.assert(
    fc.property(fc.array(frame, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
      assert.equal(feedInCuts(new PacketLengthGuard(), Buffer.concat(frames), cuts), null);
    }),
    { seed: 17, numRuns: 200 },
  );
});

test('an announced length past the cap is named, after any number of good frames and cuts', () => {
  fc.assert(
    fc.property(
      fc.array(frame, { maxLength: 5 }),
      fc.integer({ min: MAX_INBOUND_PACKET_BYTES, max: 268_435_455 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (frames, length, cuts) => {
        const bytes = Buffer.concat([...frames, Buffer.from([0x20]), varInt(length)]);
        assert.match(feedInCuts(new PacketLengthGuard(), bytes, cuts) ?? '', /over the \d+-byte limit/);
      },
    ),
    { seed: 17, numRuns: 100 },
  );
});

test('a fifth varint byte is not MQTT', () => {
  assert.match(new PacketLengthGuard().feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])) ?? '', /4 bytes/);
});
