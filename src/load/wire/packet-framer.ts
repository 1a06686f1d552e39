import mqttPacket, { type Packet } from 'mqtt-packet';
import { INBOUND_BUFFER_BUDGET_BYTES, MAX_INBOUND_PACKET_BYTES } from '../../core/inbound-limits.js';

// Splitting the broker's byte stream into MQTT packets, with no parser object per connection. A held
// session's only framing state is a packet cut across reads (`partial`, usually null): whole packets are
// found by the fixed header and its remaining-length varint (MQTT 3.1.1 §2.2.3, MQTT 5 §1.5.5), then
// decoded by ONE mqtt-packet parser per protocol version shared by every connection — fed one whole
// packet at a time it is left with no state between packets. A per-connection parser (BufferList,
// EventEmitter, partial Packet) cost ~2 KB per idle session (bench/generator-memory.ts).

/** The largest packet accepted from a broker (see core/inbound-limits.ts for why this size). */
export { MAX_INBOUND_PACKET_BYTES };
/** The remaining length is at most 4 bytes of varint (MQTT 3.1.1 §2.2.3). */
const MAX_LENGTH_BYTES = 4;
/**
 * First size of the buffer for a packet cut across reads, when the read had less of it: the buffer then doubles
 * as bytes arrive, up to the announced length. A broker that announces a large packet and sends little of it
 * (slow-drip, a false length) costs what it sent, not what it announced.
 */
const FIRST_PARTIAL_BYTES = 4096;

/** The stream is not MQTT: a length the protocol does not allow, or a packet that does not decode. */
export class FrameError extends Error {}

/** Bytes held in unfinished packets by every connection of this process; INBOUND_BUFFER_BUDGET_BYTES at most. */
let heldBytes = 0;
/** The most `heldBytes` has been since the process started (the self-check reports it). */
let peakHeldBytes = 0;

/** Bytes of unfinished inbound packets held now, and at most so far, across all connections of this process. */
export function inboundBuffered(): { heldBytes: number; peakBytes: number; budgetBytes: number } {
  return { heldBytes, peakBytes: peakHeldBytes, budgetBytes: INBOUND_BUFFER_BUDGET_BYTES };
}

/** Takes `bytes` from the process-wide budget, or throws FrameError naming it when the budget has no room. */
function reserve(bytes: number): void {
  if (heldBytes + bytes > INBOUND_BUFFER_BUDGET_BYTES)
    throw new FrameError(
      `the broker's unfinished packets would hold ${heldBytes + bytes} bytes across mqleak's connections, ` +
        `over the ${INBOUND_BUFFER_BUDGET_BYTES}-byte budget`,
    );
  heldBytes += bytes;
  if (heldBytes > peakHeldBytes) peakHeldBytes = heldBytes;
}

/**
 * The end (exclusive) of the packet that starts at `offset`, which may lie past the buffer's end; -1
 * when the fixed header itself is not complete yet. Throws FrameError for an invalid or oversized length.
 */
export function packetEnd(buffer: Buffer, offset: number): number {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i <= MAX_LENGTH_BYTES; i++) {
    if (offset + i >= buffer.length) return -1;
    const byte = buffer[offset + i] as number;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) {
      const end = offset + 1 + i + length;
      if (end - offset > MAX_INBOUND_PACKET_BYTES)
        throw new FrameError(
          `the broker announced a packet of ${end - offset} bytes (type ${(buffer[offset] as number) >> 4}), ` +
            `over the ${MAX_INBOUND_PACKET_BYTES}-byte limit`,
        );
      return end;
    }
    multiplier *= 128;
  }
  throw new FrameError('invalid remaining length: more than 4 bytes of varint');
}

/** Per-connection framing state: kept on the connection object itself (no extra object per connection). */
export interface FrameState {
  /**
   * A packet cut across reads, its first `partialFilled` bytes received: a buffer that grows (doubling) up to the
   * packet's announced length, or only the fixed header's first bytes while its length is not known yet.
   */
  partial: Buffer | null;
  partialFilled: number;
}

export interface FrameSink {
  /**
   * One whole packet. `shared`: the bytes are a view of a read buffer that the next read overwrites
   * (copy what is kept). Returns false to stop (the connection is gone).
   */
  onFrame(bytes: Buffer, shared: boolean): boolean;
}

/** Drops a connection's unfinished packet and gives its bytes back to the budget: call it when the connection ends. */
export function releaseFrames(state: FrameState): void {
  if (state.partial !== null) heldBytes -= state.partial.length;
  state.partial = null;
  state.partialFilled = 0;
}

/** Keeps `bytes` (the start of a packet ending at `end`, relative to them) as the state's unfinished packet. */
function hold(state: FrameState, bytes: Buffer, end: number): void {
  const capacity = end === -1 ? bytes.length : Math.min(end, Math.max(2 * bytes.length, FIRST_PARTIAL_BYTES));
  reserve(capacity);
  const buffer = Buffer.allocUnsafe(capacity);
  bytes.copy(buffer);
  state.partial = buffer;
  state.partialFilled = bytes.length;
}

/**
 * Feeds one read to a connection's framing state: every whole packet goes to the sink, a packet cut at
 * the end is copied into `state.partial`. Throws FrameError, having released the state's unfinished packet
 * (close the connection).
 */
export function feedFrames(state: FrameState, chunk: Buffer, shared: boolean, sink: FrameSink): void {
  try {
    feed(state, chunk, shared, sink);
  } catch (error) {
    if (error instanceof FrameError) releaseFrames(state);
    throw error;
  }
}

function feed(state: FrameState, chunk: Buffer, shared: boolean, sink: FrameSink): void {
  let offset = 0;
  const partial = state.partial;
  if (partial !== null) {
    const filled = state.partialFilled;
    const end = packetEnd(partial.subarray(0, filled), 0);
    if (end === -1) {
      // Only part of a fixed header so far (≤ 4 bytes): join it to this read and frame the join.
      releaseFrames(state);
      feed(state, Buffer.concat([partial.subarray(0, filled), chunk]), false, sink);
      return;
    }
    const take = Math.min(end - filled, chunk.length);
    let buffer = partial;
    if (filled + take > partial.length) {
      // Grow: double, or to what this read brings, never past the announced length.
      const capacity = Math.min(end, Math.max(2 * partial.length, filled + take));
      reserve(capacity - partial.length); // the old buffer's bytes pass to the new one
      buffer = Buffer.allocUnsafe(capacity);
      partial.copy(buffer, 0, 0, filled);
      state.partial = buffer;
    }
    chunk.copy(buffer, filled, 0, take);
    state.partialFilled = filled + take;
    if (state.partialFilled < end) return;
    releaseFrames(state);
    if (!sink.onFrame(buffer, false)) return;
    offset = take;
  }
  while (offset < chunk.length) {
    const end = packetEnd(chunk, offset);
    if (end === -1 || end > chunk.length) {
      hold(state, chunk.subarray(offset), end === -1 ? -1 : end - offset);
      return;
    }
    if (!sink.onFrame(chunk.subarray(offset, end), shared)) return;
    offset = end;
  }
}

// The shared decoders: one mqtt-packet parser per protocol version, listeners set once.
let decoded: Packet | null = null;
let decodeError: Error | null = null;
const decoders = new Map<number, ReturnType<typeof mqttPacket.parser>>();

function decoderFor(protocolVersion: number): ReturnType<typeof mqttPacket.parser> {
  let parser = decoders.get(protocolVersion);
  if (parser === undefined) {
    parser = mqttPacket.parser({ protocolVersion });
    parser.on('packet', (packet: Packet) => {
      decoded = packet;
    });
    parser.on('error', (error: Error) => {
      decodeError = error;
    });
    decoders.set(protocolVersion, parser);
  }
  return parser;
}

/**
 * Decodes one whole packet (as framed by feedFrames). Throws FrameError when it does not decode to
 * exactly one packet. `bytes` may be referenced by the result (a PUBLISH payload): pass a copy of shared bytes.
 */
export function decodePacket(bytes: Buffer, protocolVersion: number): Packet {
  const parser = decoderFor(protocolVersion);
  decoded = null;
  decodeError = null;
  const left = parser.parse(bytes);
  const packet = decoded as Packet | null;
  const error = decodeError as Error | null;
  decoded = null;
  decodeError = null;
  // A parser that errored, or was left mid-packet, is replaced: the next packet starts from a clean one.
  if (error !== null || packet === null || left !== 0) decoders.delete(protocolVersion);
  if (error !== null) throw new FrameError(error.message);
  if (packet === null || left !== 0) throw new FrameError('packet length does not match its contents');
  return packet;
}
