// What a broker can make the framer hold (issue 17 item 7): a per-connection cap on the announced length, a
// buffer that grows with what arrives instead of the announced size up front, and a budget across connections.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket from 'mqtt-packet';
import {
  INBOUND_BUFFER_BUDGET_BYTES,
  MAX_INBOUND_PACKET_BYTES,
  MAX_OWN_PAYLOAD_BYTES,
} from '../../../src/core/inbound-limits.js';
import { varInt } from '../../../src/core/var-int.js';
import {
  feedFrames,
  FrameError,
  inboundBuffered,
  releaseFrames,
  type FrameState,
} from '../../../src/load/wire/packet-framer.js';

const keepAll = { onFrame: () => true };

function newState(): FrameState {
  return { partial: null, partialFilled: 0 };
}

/** The fixed header of a PUBLISH announcing `remaining` bytes. */
function publishHeader(remaining: number): Buffer {
  return Buffer.concat([Buffer.from([0x30]), varInt(remaining)]);
}

test('the cap leaves room for the largest packet mqleak could need: its largest payload, the longest topic', () => {
  const largest = mqttPacket.generate(
    {
      cmd: 'publish',
      topic: 't'.repeat(65_535),
      payload: Buffer.alloc(MAX_OWN_PAYLOAD_BYTES),
      qos: 1,
      messageId: 1,
      dup: false,
      retain: false,
    },
    { protocolVersion: 4 },
  );
  assert.ok(largest.length <= MAX_INBOUND_PACKET_BYTES, `${largest.length} bytes`);
  const state = newState();
  const frames: number[] = [];
  feedFrames(state, largest, false, {
    onFrame: (bytes) => {
      frames.push(bytes.length);
      return true;
    },
  });
  assert.deepEqual(frames, [largest.length]);
});

test('an announced length is not allocated up front: the buffer grows with the bytes that arrive', () => {
  const header = publishHeader(MAX_INBOUND_PACKET_BYTES - 100);
  const announced = header.length + MAX_INBOUND_PACKET_BYTES - 100;
  const state = newState();
  const before = inboundBuffered().heldBytes;
  feedFrames(state, Buffer.concat([header, Buffer.alloc(10)]), false, keepAll);
  const first = state.partial?.length ?? 0;
  assert.ok(first <= 4096, `first buffer ${first} bytes for an announced ${announced}`);
  assert.equal(inboundBuffered().heldBytes - before, first, 'what is held is counted');
  // One byte at a time (a slow drip) for a while: the buffer only doubles as it fills.
  for (let i = 0; i < 5000; i++) feedFrames(state, Buffer.alloc(1), false, keepAll);
  const filled = state.partialFilled;
  assert.ok((state.partial?.length ?? 0) <= 2 * filled, `${state.partial?.length} bytes held for ${filled} received`);
  // The rest in 64 KiB reads: one whole frame of the announced length comes out, and nothing stays held.
  let frame = -1;
  const sink = {
    onFrame: (bytes: Buffer): boolean => {
      frame = bytes.length;
      return true;
    },
  };
  while (frame === -1) feedFrames(state, Buffer.alloc(Math.min(65_536, announced - state.partialFilled)), false, sink);
  assert.equal(frame, announced);
  assert.equal(inboundBuffered().heldBytes, before);
});

test('past the per-connection cap: refused at the header, nothing held', () => {
  const state = newState();
  const before = inboundBuffered().heldBytes;
  assert.throws(
    () => feedFrames(state, publishHeader(268_435_455), false, keepAll),
    /announced a packet of 268435460 bytes \(type 3\), over the \d+-byte limit/,
  );
  assert.equal(state.partial, null);
  assert.equal(inboundBuffered().heldBytes, before);
});

test('across connections: past the budget the connection asking for more is refused; released bytes come back', () => {
  const before = inboundBuffered().heldBytes;
  const body = Buffer.alloc(MAX_INBOUND_PACKET_BYTES - 100); // each holds one almost whole packet
  const chunk = Buffer.concat([publishHeader(MAX_INBOUND_PACKET_BYTES - 5), body]);
  const states: FrameState[] = [];
  let refused: unknown = null;
  for (let i = 0; i < 2 * (INBOUND_BUFFER_BUDGET_BYTES / MAX_INBOUND_PACKET_BYTES) && refused === null; i++) {
    const state = newState();
    try {
      feedFrames(state, chunk, false, keepAll);
      states.push(state);
    } catch (error) {
      refused = error;
    }
  }
  assert.ok(refused instanceof FrameError, 'a connection was refused');
  assert.match(refused.message, /over the \d+-byte budget/);
  assert.ok(inboundBuffered().heldBytes <= INBOUND_BUFFER_BUDGET_BYTES);
  assert.ok(inboundBuffered().peakBytes <= INBOUND_BUFFER_BUDGET_BYTES);
  assert.ok(states.length >= 8, `${states.length} connections held a large packet before the budget ran out`);
  for (const state of states) releaseFrames(state);
  assert.equal(inboundBuffered().heldBytes, before);
});
