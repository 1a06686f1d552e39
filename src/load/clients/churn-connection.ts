import net from 'node:net';
import mqttPacket, { type IConnectPacket } from 'mqtt-packet';
import type { ProtocolVersion } from './raw-mqtt-client.js';
import { varInt } from '../wire/connect-packet.js';
import { failureKind } from '../pacing/run-operations.js';

// The lean path of connect churn over plain TCP: CONNECT → CONNACK → DISCONNECT (or an abrupt close) at
// the least CPU per cycle Node allows, so that the broker, not mqleak, is what a churn run loads. Per
// connection: one socket, one CONNECT buffer (the run's CONNECT spliced around the client id), one small
// state object; no parser, no promise, no timer (one sweep timer per dialer enforces every timeout), and
// reads land in one static buffer shared by all connections (`onread`). TLS and WebSocket stay on
// RawMqttConnection. Failures are tallied under the same kinds as RawMqttConnection's.

/** The run's CONNECT split around its client id: what is the same for every connection, encoded once. */
export interface ConnectTemplate {
  /** The variable header up to the client id (protocol name, level, flags, keepalive, MQTT 5 properties). */
  head: Buffer;
  /** Everything after the client id (will, username, password). */
  tail: Buffer;
}

export interface ChurnConnectOptions {
  protocolVersion: ProtocolVersion;
  keepalive: number;
  clean: boolean;
  /** Extra CONNECT fields, as for RawMqttConnection: MQTT 5 properties, username and password, a will. */
  connectExtras?: Pick<IConnectPacket, 'properties' | 'username' | 'password' | 'will'>;
}

/** The one-byte placeholder id the template is encoded with, then cut out. */
const PLACEHOLDER_ID = 'x';
/** Bytes of the protocol level, connect flags and keepalive after the protocol name (3.1.2.2–3.1.2.10). */
const LEVEL_FLAGS_KEEPALIVE = 4;

/** Reads an MQTT variable byte integer at `offset`: its value and its length in bytes. */
function readVarInt(buffer: Buffer, offset: number): { value: number; length: number } {
  let value = 0;
  let length = 0;
  let byte: number;
  do {
    byte = buffer[offset + length] as number;
    value += (byte & 0x7f) * 128 ** length;
    length++;
  } while ((byte & 0x80) !== 0 && length < 4);
  return { value, length };
}

/**
 * Encodes the run's CONNECT once with mqtt-packet (every field, property and credential it knows) and
 * cuts it around the client id, so each connection only writes its id between the two halves.
 */
export function connectTemplate(options: ChurnConnectOptions): ConnectTemplate {
  const packet = mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: options.protocolVersion,
      clientId: PLACEHOLDER_ID,
      clean: options.clean,
      keepalive: options.keepalive,
      ...options.connectExtras,
    },
    { protocolVersion: options.protocolVersion },
  );
  const bodyStart = 1 + readVarInt(packet, 1).length;
  let offset = bodyStart + 2 + packet.readUInt16BE(bodyStart) + LEVEL_FLAGS_KEEPALIVE;
  if (options.protocolVersion === 5) {
    const properties = readVarInt(packet, offset);
    offset += properties.length + properties.value;
  }
  if (
    packet.readUInt16BE(offset) !== PLACEHOLDER_ID.length ||
    packet.toString('utf8', offset + 2, offset + 2 + PLACEHOLDER_ID.length) !== PLACEHOLDER_ID
  ) {
    throw new Error('connectTemplate: the client id is not where MQTT puts it');
  }
  return { head: packet.subarray(bodyStart, offset), tail: packet.subarray(offset + 2 + PLACEHOLDER_ID.length) };
}

/** One connection's CONNECT: fixed header, the template's head, the client id, the template's tail. */
export function encodeChurnConnect(template: ConnectTemplate, clientId: string): Buffer {
  const idLength = Buffer.byteLength(clientId, 'utf8');
  const remaining = template.head.length + 2 + idLength + template.tail.length;
  const length = varInt(remaining);
  const out = Buffer.allocUnsafe(1 + length.length + remaining);
  out[0] = 0x10;
  let offset = 1 + length.copy(out, 1);
  offset += template.head.copy(out, offset);
  out.writeUInt16BE(idLength, offset);
  offset += 2;
  offset += out.write(clientId, offset, 'utf8');
  template.tail.copy(out, offset);
  return out;
}

/** DISCONNECT with no reason code: "normal disconnection" in 3.1.1 and in 5 (3.14.2.1). Never written to, so shared. */
const DISCONNECT = Buffer.from([0xe0, 0x00]);
const CONNACK_HEADER = 0x20;
/**
 * One static read buffer for every connection: a CONNACK is 4 bytes (3.1.1) or a few dozen (5); longer reads come in
 * pieces.
 */
const READ_BUFFER = Buffer.allocUnsafe(256);
/** Timeouts are checked this often at most: a connection times out between timeoutMs and timeoutMs + this. */
const MAX_SWEEP_MS = 250;
/** ...and at least this often apart, so a short timeout does not turn the sweep into a busy loop. */
const MIN_SWEEP_MS = 10;

/** What became of one connection: null when it was accepted and closed as asked, else its failure kind. */
export type ChurnDone = (failure: string | null) => void;

export interface ChurnDialerOptions extends ChurnConnectOptions {
  host: string;
  port: number;
  /** Give up on a connection that has no CONNACK this long after it started (kind `timeout`). */
  timeoutMs: number;
  /** Source address to bind to; none: the kernel's choice. */
  localAddress?: string;
}

/** Where a connection is in reading its CONNACK. */
enum Stage {
  Header,
  Length,
  Flags,
  Code,
  /** CONNACK accepted; a polite close is waiting for the socket to close. */
  Closing,
  Done,
}

/** One churned connection: its socket and how far its CONNACK has been read. */
class ChurnAttempt {
  stage = Stage.Header;
  readonly deadline: number;
  readonly socket: net.Socket;
  private readonly onRead = (nread: number, buffer: Buffer): boolean => {
    this.read(buffer, nread);
    return true;
  };

  constructor(
    private readonly dialer: ChurnDialer,
    clientId: string,
    private readonly abrupt: boolean,
    private readonly done: ChurnDone,
  ) {
    const options = dialer.options;
    this.deadline = Date.now() + options.timeoutMs;
    this.socket = net.connect({
      host: options.host,
      port: options.port,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      onread: { buffer: READ_BUFFER, callback: this.onRead },
    });
    this.socket.on('error', (error: Error) => this.fail(failureKind(error)));
    this.socket.on('close', () => this.closed());
    // Written before the connection is up: the socket holds it until then.
    this.socket.write(encodeChurnConnect(dialer.template, clientId));
  }

  /** Reads the CONNACK's first bytes (header, remaining length, flags, code); anything after it is ignored. */
  private read(buffer: Buffer, length: number): void {
    for (let i = 0; i < length && this.stage < Stage.Closing; i++) {
      const byte = buffer[i] as number;
      if (this.stage === Stage.Header) {
        if (byte !== CONNACK_HEADER) {
          this.fail('bad-packet');
          return;
        }
        this.stage = Stage.Length;
      } else if (this.stage === Stage.Length) {
        if ((byte & 0x80) === 0) this.stage = Stage.Flags;
      } else if (this.stage === Stage.Flags) {
        this.stage = Stage.Code;
      } else {
        this.connack(byte);
      }
    }
  }

  private connack(code: number): void {
    this.dialer.settled(this);
    if (code !== 0) {
      this.stage = Stage.Done;
      this.socket.destroy();
      this.done(`connack-${code}`);
      return;
    }
    if (this.abrupt) {
      // The client vanishes: no DISCONNECT, the socket closed under the broker.
      this.stage = Stage.Done;
      this.socket.destroy();
      this.done(null);
      return;
    }
    this.stage = Stage.Closing;
    this.socket.end(DISCONNECT);
    // Our FIN is the close: the socket goes once DISCONNECT is flushed, whether or not the broker closes its side.
    (this.socket as net.Socket & { destroySoon(): void }).destroySoon();
  }

  private closed(): void {
    if (this.stage === Stage.Closing) {
      this.stage = Stage.Done;
      this.done(null);
    } else {
      this.fail('closed-before-connack');
    }
  }

  /** Fails the connection (once; errors after CONNACK belong to the close, not the operation). */
  fail(kind: string): void {
    if (this.stage >= Stage.Closing) return;
    this.stage = Stage.Done;
    this.dialer.settled(this);
    this.socket.destroy();
    this.done(kind);
  }
}

/**
 * Starts churned connections to one broker with one CONNECT template and one sweep timer for all their
 * timeouts. `close()` stops the timer and drops whatever is still connecting.
 */
export class ChurnDialer {
  readonly template: ConnectTemplate;
  /** Connections waiting for their CONNACK, oldest first: all share one timeout, so deadlines come in order. */
  private readonly pending = new Set<ChurnAttempt>();
  private sweeper: NodeJS.Timeout | null = null;
  private readonly sweepMs: number;

  constructor(readonly options: ChurnDialerOptions) {
    this.template = connectTemplate(options);
    this.sweepMs = Math.max(MIN_SWEEP_MS, Math.min(MAX_SWEEP_MS, Math.floor(options.timeoutMs / 10)));
  }

  /**
   * One connection: CONNECT, CONNACK, then DISCONNECT and close, or (abrupt) close at once. `done` is called once,
   * never synchronously.
   */
  attempt(clientId: string, abrupt: boolean, done: ChurnDone): void {
    const attempt = new ChurnAttempt(this, clientId, abrupt, done);
    this.pending.add(attempt);
    this.sweeper ??= setInterval(() => this.sweep(), this.sweepMs);
  }

  /** The connection has its answer (or failed): its timeout no longer applies. */
  settled(attempt: ChurnAttempt): void {
    this.pending.delete(attempt);
  }

  private sweep(): void {
    const now = Date.now();
    for (const attempt of this.pending) {
      if (attempt.deadline > now) break;
      attempt.fail('timeout');
    }
    if (this.pending.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Stops the sweep timer and fails every connection still waiting for its CONNACK (kind `aborted`). */
  close(): void {
    for (const attempt of this.pending) attempt.fail('aborted');
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
