import type { Duplex } from 'node:stream';
import { MAX_INBOUND_PACKET_BYTES } from '../core/inbound-limits.js';

// MQTT.js's parser (mqtt-packet) buffers a packet until its announced remaining length has arrived, whatever
// that length: a broker announcing 256 MB would have mqleak's observer, $SYS probe or bridge client hold it all.
// This guard reads only the fixed headers as the bytes pass (no buffering, MQTT 3.1.1 §2.2.3, MQTT 5 §2.1.4)
// and destroys the stream, with an error naming the length, at the first packet over MAX_INBOUND_PACKET_BYTES.

/** Follows packet boundaries in a byte stream; `feed` returns an error message for an oversized or invalid header. */
export class PacketLengthGuard {
  /** Bytes of the current packet's body still to pass; -1 while a fixed header is being read. */
  private bodyLeft = -1;
  private headerBytes = 0;
  private length = 0;
  private multiplier = 1;
  private type = 0;

  feed(chunk: Uint8Array): string | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const skip = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= skip;
        i += skip;
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.headerBytes === 0) {
        this.type = byte >> 4;
        this.headerBytes = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.headerBytes++;
      if ((byte & 0x80) !== 0) {
        if (this.headerBytes > 4) return 'invalid remaining length: more than 4 bytes of varint';
        continue;
      }
      const total = this.headerBytes + this.length;
      if (total > MAX_INBOUND_PACKET_BYTES)
        return (
          `the broker announced a packet of ${total} bytes (type ${this.type}), ` +
          `over the ${MAX_INBOUND_PACKET_BYTES}-byte limit`
        );
      this.bodyLeft = this.length;
      this.headerBytes = 0;
      this.length = 0;
      this.multiplier = 1;
    }
    return null;
  }
}

/**
 * Guards `stream` (before MQTT.js reads it: listeners run in order): an oversized packet destroys it with an error.
 * Returns the stream.
 */
export function guardInbound<T extends Duplex>(stream: T): T {
  const guard = new PacketLengthGuard();
  stream.on('data', (chunk: Buffer) => {
    const problem = guard.feed(chunk);
    if (problem !== null) stream.destroy(new Error(problem));
  });
  return stream;
}
