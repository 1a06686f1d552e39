import mqttPacket, { type Packet } from 'mqtt-packet';
import { MIB } from '../../core/units.js';

// Splitting the broker's byte stream into MQTT packets, with no parser object per connection. A held
// session's only framing state is a packet cut across reads (`partial`, usually null): whole packets are
// found by the fixed header and its remaining-length varint (MQTT 3.1.1 §2.2.3, MQTT 5 §1.5.5), then
// decoded by ONE mqtt-packet parser per protocol version shared by every connection — fed one whole
// packet at a time it is left with no state between packets. A per-connection parser (BufferList,
// EventEmitter, partial Packet) cost ~2 KB per idle session (bench/generator-memory.ts).

/**
 * Largest packet accepted from the broker. mqleak's own payloads are at most 1 MiB (the patterns'
 * `payloadBytes` maximum); a length far past that is a broken or hostile stream, and buffering it
 * would let the broker grow mqleak's memory — the thing mqleak measures in the broker.
 */
export const MAX_INBOUND_PACKET_BYTES = 16 * MIB;
/** The remaining length is at most 4 bytes of varint (MQTT 3.1.1 §2.2.3). */
const MAX_LENGTH_BYTES = 4;

/** The stream is not MQTT: a length the protocol does not allow, or a packet that does not decode. */
export class FrameError extends Error {}

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
        throw new FrameError(`packet of ${end - offset} bytes is over the ${MAX_INBOUND_PACKET_BYTES}-byte limit`);
      return end;
    }
    multiplier *= 128;
  }
  throw new FrameError('invalid remaining length: more than 4 bytes of varint');
}

/** Per-connection framing state: kept on the connection object itself (no extra object per connection). */
export interface FrameState {
  /**
   * A packet cut across reads: sized to the whole packet once its header is known (`partialFilled` < length), else the
   * header bytes so far (`partialFilled` === length).
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

/**
 * Feeds one read to a connection's framing state: every whole packet goes to the sink, a packet cut at
 * the end is copied into `state.partial`. Throws FrameError (the state is then undefined: close the connection).
 */
export function feedFrames(state: FrameState, chunk: Buffer, shared: boolean, sink: FrameSink): void {
  let offset = 0;
  const partial = state.partial;
  if (partial !== null) {
    if (state.partialFilled === partial.length) {
      // Only part of a fixed header so far (≤ 4 bytes): join it to this read and frame the join.
      state.partial = null;
      state.partialFilled = 0;
      feedFrames(state, Buffer.concat([partial, chunk]), false, sink);
      return;
    }
    const copied = chunk.copy(partial, state.partialFilled);
    state.partialFilled += copied;
    if (state.partialFilled < partial.length) return;
    state.partial = null;
    state.partialFilled = 0;
    if (!sink.onFrame(partial, false)) return;
    offset = copied;
  }
  while (offset < chunk.length) {
    const end = packetEnd(chunk, offset);
    if (end === -1) {
      state.partial = Buffer.from(chunk.subarray(offset));
      state.partialFilled = state.partial.length;
      return;
    }
    if (end > chunk.length) {
      const whole = Buffer.allocUnsafe(end - offset);
      state.partialFilled = chunk.copy(whole, 0, offset);
      state.partial = whole;
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
