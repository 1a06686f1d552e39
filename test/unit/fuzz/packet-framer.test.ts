// The packet framer fed arbitrary bytes in arbitrary cuts (fast-check): it frames whole packets or throws
// FrameError, never another exception, never a frame past the 16 MiB limit, and every byte of a valid
// stream comes out in order whatever the cuts (MQTT 3.1.1 §2.2.3 / MQTT 5 §1.5.5: the remaining length).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodePacket,
  FrameError,
  feedFrames,
  inboundBuffered,
  releaseFrames,
  MAX_INBOUND_PACKET_BYTES,
  type FrameState,
} from '../../../src/load/wire/packet-framer.js';
import { varInt } from '../../../src/load/wire/connect-packet.js';

const params = { seed: 17, numRuns: 300 };

/** Splits `bytes` at the given cut points (each taken modulo the length). */
function cut(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((point) => (bytes.length === 0 ? 0 : point % bytes.length)))].sort(
    (a, b) => a - b,
  );
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    if (point > from) chunks.push(Buffer.from(bytes.subarray(from, point)));
    from = Math.max(from, point);
  }
  return chunks;
}

test('arbitrary bytes in arbitrary cuts: frames or FrameError, nothing else, nothing oversized', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 512 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.boolean(),
      (bytes, cuts, shared) => {
        const state: FrameState = { partial: null, partialFilled: 0 };
        try {
          for (const chunk of cut(bytes, cuts)) {
            feedFrames(state, chunk, shared, {
              onFrame: (frame) => {
                assert.ok(frame.length >= 2 && frame.length <= MAX_INBOUND_PACKET_BYTES);
                try {
                  decodePacket(Buffer.from(frame), 4);
                } catch (error) {
                  assert.ok(error instanceof FrameError, `decode threw ${String(error)}`);
                }
                return true;
              },
            });
          }
        } catch (error) {
          assert.ok(error instanceof FrameError, `threw ${String(error)}`);
        }
        // What the connection held goes back to the process-wide budget when it ends.
        releaseFrames(state);
        assert.equal(inboundBuffered().heldBytes, 0);
      },
    ),
    params,
  );
});

test('a stream of well-formed frames comes out whole and in order, whatever the cuts', () => {
  const frame = fc
    .tuple(fc.integer({ min: 1, max: 15 }), fc.uint8Array({ maxLength: 300 }))
    .map(([type, body]) => Buffer.concat([Buffer.from([type << 4]), varInt(body.length), Buffer.from(body)]));
  fc.assert(
    fc.property(fc.array(frame, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
      const state: FrameState = { partial: null, partialFilled: 0 };
      const seen: Buffer[] = [];
      for (const chunk of cut(Buffer.concat(frames), cuts)) {
        feedFrames(state, chunk, true, {
          onFrame: (bytes) => {
            seen.push(Buffer.from(bytes));
            return true;
          },
        });
      }
      assert.deepEqual(seen, frames);
      assert.equal(state.partial, null);
    }),
    params,
  );
});

test('an announced length past the limit (a hostile 256 MB remaining length) is refused at the header', () => {
  fc.assert(
    fc.property(fc.integer({ min: MAX_INBOUND_PACKET_BYTES, max: 268_435_455 }), (length) => {
      const state: FrameState = { partial: null, partialFilled: 0 };
      const header = Buffer.concat([Buffer.from([0x30]), varInt(length)]);
      assert.throws(() => feedFrames(state, header, false, { onFrame: () => true }), FrameError);
    }),
    { seed: 17, numRuns: 50 },
  );
});
