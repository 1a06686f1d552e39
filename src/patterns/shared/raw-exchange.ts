import type { TransportSettings } from '../../net/broker-address.js';
import { dial, type Link } from '../../net/transport.js';
import { OperationFailure } from '../../load/pacing/run-operations.js';
import { FrameError, MAX_INBOUND_PACKET_BYTES, packetEnd } from '../../load/wire/packet-framer.js';

// One raw MQTT connection for the protocol-errors walk: write any bytes, and read what the broker does
// back as answers a report can name (`connack-0x87`, `suback-0x80`, `disconnect-0x81`, `closed`,
// `reset`, `silence`, `flood`). The broker's packets are read by their fixed header and the one byte that
// carries the code, not by a full decoder: a broker answering a 5.0 CONNECT with a 3.1.1 CONNACK is
// an answer too, and one a strict decoder would reject.

const PACKET_NAMES = [
  'reserved',
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
] as const;

export interface BrokerPacket {
  type: number;
  /** `connack-0x00`, `suback-0x80`, `pingresp` ... */
  answer: string;
  bytes: Buffer;
}

function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** The code a report names the packet by: CONNACK's return/reason code, SUBACK's last code, a 5.0 ack's reason code. */
function nameOf(packet: Buffer, headerLength: number, level: number): string {
  const type = (packet[0] as number) >> 4;
  const name = PACKET_NAMES[type] as string;
  const body = packet.subarray(headerLength);
  switch (type) {
    case 2:
      return body.length >= 2 ? `${name}-${hex(body[1] as number)}` : name;
    case 9:
    case 11:
      return body.length > 2 ? `${name}-${hex(body[body.length - 1] as number)}` : name;
    case 4:
    case 5:
    case 6:
    case 7:
      return `${name}-${hex(level === 5 && body.length > 2 ? (body[2] as number) : 0)}`;
    case 14:
    case 15:
      return `${name}-${hex(body.length > 0 ? (body[0] as number) : 0)}`;
    default:
      return name;
  }
}

/**
 * Packets one exchange keeps. A case is answered by a few packets (CONNACK, an ack, a DISCONNECT); a broker that
 * sends more than this is flooding: the exchange records the answer `flood` and closes (memory stays bounded).
 */
const MAX_PACKETS_KEPT = 256;
/** Bytes of packets one exchange keeps: two of the largest packets mqleak accepts (packet-framer.ts). */
const MAX_BYTES_KEPT = 2 * MAX_INBOUND_PACKET_BYTES;

/** Waiting for the broker: a packet, its close or reset, or nothing within the time (`silence`). */
export class RawExchange {
  readonly link: Link;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly packets: BrokerPacket[] = [];
  private ended: 'closed' | 'reset' | null = null;
  private wake: (() => void) | null = null;
  private opened = false;
  private keptBytes = 0;
  private flooded = false;

  private constructor(
    link: Link,
    private readonly level: number,
  ) {
    this.link = link;
    const stream = link.stream;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (this.opened) this.end(error.code === 'ECONNRESET' ? 'reset' : 'closed');
    });
    stream.on('close', () => this.end('closed'));
  }

  /** Opens the connection; rejects (ECONNREFUSED, timeout) when it never opens. */
  static open(
    host: string,
    port: number,
    transport: TransportSettings | undefined,
    level: number,
    timeoutMs: number,
  ): Promise<RawExchange> {
    const exchange = new RawExchange(dial(host, port, transport), level);
    const { link } = exchange;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        link.tcp.destroy();
        reject(new OperationFailure('connect-timeout', `no TCP connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        link.tcp.destroy();
        reject(error);
      };
      link.stream.once('error', (error) => {
        if (!exchange.opened) fail(error);
      });
      link.onOpen(() => {
        clearTimeout(timer);
        exchange.opened = true;
        resolve(exchange);
      });
    });
  }

  get gone(): boolean {
    return this.ended !== null;
  }

  write(bytes: Buffer): void {
    if (this.ended === null && bytes.length > 0) this.link.stream.write(bytes);
  }

  private onData(chunk: Buffer): void {
    if (this.flooded) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      for (;;) {
        const end = packetEnd(this.buffer, 0);
        if (end === -1 || end > this.buffer.length) break;
        if (this.packets.length >= MAX_PACKETS_KEPT || this.keptBytes + end > MAX_BYTES_KEPT) {
          this.flood();
          return;
        }
        const headerLength = this.bodyStart();
        const packet = Buffer.from(this.buffer.subarray(0, end));
        this.keptBytes += end;
        this.packets.push({
          type: (packet[0] as number) >> 4,
          answer: nameOf(packet, headerLength, this.level),
          bytes: packet,
        });
        this.buffer = this.buffer.subarray(end);
      }
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.packets.push({ type: -1, answer: 'undecodable', bytes: this.buffer });
      this.buffer = Buffer.alloc(0);
    }
    this.wake?.();
  }

  /** Too much from the broker: recorded as the answer `flood`, nothing more is read, the connection is closed. */
  private flood(): void {
    this.flooded = true;
    this.buffer = Buffer.alloc(0);
    this.packets.push({ type: -1, answer: 'flood', bytes: Buffer.alloc(0) });
    this.destroy();
    this.wake?.();
  }

  /** Offset of the body in the buffered packet: after the type byte and the remaining-length varint. */
  private bodyStart(): number {
    let i = 1;
    while (i < this.buffer.length && ((this.buffer[i] as number) & 0x80) !== 0) i++;
    return i + 1;
  }

  private end(how: 'closed' | 'reset'): void {
    this.ended ??= how;
    this.wake?.();
  }

  /** The next packet after the first `skip`, or how the connection ended, or `silence` after `ms`. */
  async next(skip: number, ms: number, accept: (packet: BrokerPacket) => boolean = () => true): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.packets.slice(skip).find(accept);
      if (found !== undefined) return found.answer;
      if (this.ended !== null) return this.ended;
      const left = deadline - Date.now();
      if (left <= 0) return 'silence';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Packets received so far. */
  get received(): readonly BrokerPacket[] {
    return this.packets;
  }

  /** Waits until the broker closes, at most `ms`; whether it did. */
  async closedWithin(ms: number): Promise<boolean> {
    await this.next(Number.MAX_SAFE_INTEGER, ms);
    return this.ended !== null;
  }

  pause(): void {
    this.link.stream.pause();
  }

  resume(): void {
    this.link.stream.resume();
  }

  /** Our FIN after `last`. */
  close(last?: Buffer): void {
    if (this.ended === null) this.link.end(last);
    else this.destroy();
  }

  reset(): void {
    this.link.reset();
  }

  destroy(): void {
    this.link.stream.destroy();
    this.link.tcp.destroy();
  }
}
