import type net from 'node:net';
import type { Duplex } from 'node:stream';
import mqttPacket, { type IConnackPacket, type IConnectPacket, type Packet } from 'mqtt-packet';
import type { TransportSettings } from '../../net/broker-address.js';
import {
  decodePacket,
  feedFrames,
  FrameError,
  releaseFrames,
  type FrameSink,
  type FrameState,
} from '../wire/packet-framer.js';
import { OperationFailure } from '../pacing/run-operations.js';
import { dial, type Link } from '../../net/transport.js';

export type ProtocolVersion = 4 | 5;

export interface RawConnectOptions {
  host: string;
  port: number;
  /** mqtts://, ws://, wss:// (absent: plain TCP). */
  transport?: TransportSettings;
  clientId: string;
  protocolVersion: ProtocolVersion;
  keepalive: number;
  clean: boolean;
  timeoutMs: number;
  /**
   * Source address to bind the socket to (spreading connections over source addresses: see source-addresses.ts); none:
   * the kernel's choice.
   */
  localAddress?: string;
  /**
   * Every packet the broker sends after CONNACK (subscription, publish and ack flows), with the connection
   * it came on; set before connecting so none is missed. One function may serve many connections.
   */
  onPacket?: (packet: Packet, connection: RawMqttConnection) => void;
  /**
   * Called once when the connection's socket closes after CONNACK (not when the connect itself fails). One function may
   * serve many connections.
   */
  onClose?: (connection: RawMqttConnection) => void;
  /** Extra CONNECT fields: MQTT 5 properties (session expiry ...), username and password, a will. */
  connectExtras?: Pick<IConnectPacket, 'properties' | 'username' | 'password' | 'will'>;
}

/**
 * Where plain-TCP reads land, for every connection of the process (node's `onread`): a read is framed
 * at once and whole packets decoded (a PUBLISH copied out first), so nothing refers to it after the
 * callback. 64 KiB: node's own default read size.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/**
 * How long a DISCONNECT waits for the broker to close its side before mqleak closes the socket itself. A broker
 * closes at once on DISCONNECT and our FIN (MQTT 3.1.1 §3.14.4, MQTT 5 §3.14.4); 5 s leaves a loaded broker far
 * behind. The client MUST close the connection after DISCONNECT anyway (3.1.1 [MQTT-3.14.4-1]).
 */
const DISCONNECT_CLOSE_WAIT_MS = 5000;
/**
 * The connection a socket or stream belongs to: module-wide listeners find it here instead of a closure per connection.
 */
const OWNER = Symbol('mqleak.rawConnection');
type Owned = Duplex & { [OWNER]?: RawMqttConnection };

enum Phase {
  Connecting,
  Connected,
  Done,
}

/** What the connect is waiting on; dropped once CONNACK (or the failure) arrives. */
interface ConnectWait {
  resolve: (connection: RawMqttConnection) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function ownerOf(stream: unknown): RawMqttConnection | undefined {
  return (stream as Owned)[OWNER];
}

// Module-wide listeners (`this` is the socket / stream): one function for every connection.
function onTcpRead(this: net.Socket, bytes: number, buffer: Uint8Array): boolean {
  ownerOf(this)?.receive(Buffer.from(buffer.buffer, buffer.byteOffset, bytes), true);
  return true; // keep reading
}
function onStreamData(this: Duplex, chunk: Buffer): void {
  ownerOf(this)?.receive(chunk, false);
}
function onStreamError(this: Duplex, error: Error): void {
  ownerOf(this)?.failConnect(error);
}
function onStreamClose(this: Duplex): void {
  ownerOf(this)?.closed();
}
function ignoreError(): void {
  // after CONNACK a socket error belongs to its close, not to an operation
}

/**
 * A lean MQTT client on a bare connection (TCP, TLS, WebSocket: see transport.ts): packets encoded with
 * mqtt-packet, framed and decoded without a parser per connection (packet-framer.ts), plain TCP read
 * through one shared buffer; no timers beyond the connect's own timeout. For patterns that need the wire,
 * not a full client library, and lean enough to hold tens of thousands idle (bench/generator-memory.ts).
 */
export class RawMqttConnection implements FrameState, FrameSink {
  partial: Buffer | null = null;
  partialFilled = 0;
  private phase = Phase.Connecting;
  private wait: ConnectWait | null = null;
  /** What is kept of CONNACK: its flag, code and (MQTT 5) properties, not the packet. */
  private sessionPresentFlag = false;
  private connackCode = 0;
  private connackProperties: IConnackPacket['properties'] = undefined;

  private constructor(
    readonly link: Link,
    readonly protocolVersion: ProtocolVersion,
    private readonly packetListener: RawConnectOptions['onPacket'],
    private readonly closeListener: RawConnectOptions['onClose'],
  ) {}

  /** The MQTT byte stream (the socket for plain TCP). */
  get socket(): Duplex {
    return this.link.stream;
  }

  /** The broker's CONNACK (rebuilt from what was kept of it). */
  get connack(): IConnackPacket {
    const packet: IConnackPacket = { cmd: 'connack', sessionPresent: this.sessionPresentFlag };
    if (this.protocolVersion === 5) packet.reasonCode = this.connackCode;
    else packet.returnCode = this.connackCode;
    if (this.connackProperties !== undefined) packet.properties = this.connackProperties;
    return packet;
  }

  static connect(options: RawConnectOptions): Promise<RawMqttConnection> {
    const connect: IConnectPacket = {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: options.protocolVersion,
      clientId: options.clientId,
      clean: options.clean,
      keepalive: options.keepalive,
      ...options.connectExtras,
    };
    return new Promise((resolve, reject) => {
      const link = dial(options.host, options.port, options.transport, {
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        onread: { buffer: SHARED_READ_BUFFER, callback: onTcpRead },
      });
      const connection = new RawMqttConnection(link, options.protocolVersion, options.onPacket, options.onClose);
      const stream = link.stream as Owned;
      stream[OWNER] = connection;
      const timer = setTimeout(
        () => connection.failConnect(new OperationFailure('timeout', `no CONNACK within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      connection.wait = { resolve, reject, timer };
      // onread applies to plain TCP only: over TLS and WebSocket the stream's `data` events carry the bytes.
      if (options.transport !== undefined && options.transport.scheme !== 'mqtt') stream.on('data', onStreamData);
      stream.once('error', onStreamError);
      stream.once('close', onStreamClose);
      link.onOpen(() => stream.write(mqttPacket.generate(connect, { protocolVersion: options.protocolVersion })));
    });
  }

  /** Bytes from the broker: framed, then each whole packet handled. */
  receive(chunk: Buffer, shared: boolean): void {
    if (this.phase === Phase.Done) return;
    try {
      feedFrames(this, chunk, shared, this);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error; // a listener's own error is not the broker's
      this.badPacket(error.message);
    }
  }

  /** FrameSink: one whole packet. */
  onFrame(bytes: Buffer, shared: boolean): boolean {
    const packet = decodePacket(shared ? Buffer.from(bytes) : bytes, this.protocolVersion);
    if (this.phase === Phase.Connected) {
      this.packetListener?.(packet, this);
      return this.phase === Phase.Connected;
    }
    // MQTT 3.1.1 §3.2 [MQTT-3.2.0-1], MQTT 5 §3.2: the server's first packet MUST be CONNACK. A broker that
    // sends anything else first (a flood of PUBLISH) is not waited on until the connect times out.
    if (packet.cmd !== 'connack') throw new FrameError(`the broker's first packet was ${packet.cmd}, not CONNACK`);
    this.connacked(packet);
    return this.phase !== Phase.Done;
  }

  private connacked(packet: IConnackPacket): void {
    const wait = this.wait;
    if (wait === null) return;
    this.wait = null;
    clearTimeout(wait.timer);
    const stream = this.link.stream;
    stream.removeListener('error', onStreamError);
    stream.on('error', ignoreError);
    const code = (this.protocolVersion === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
    if (code !== 0) {
      this.phase = Phase.Done;
      stream.destroy();
      wait.reject(new OperationFailure(`connack-${code}`, `the broker refused the connection (CONNACK code ${code})`));
      return;
    }
    this.sessionPresentFlag = packet.sessionPresent;
    this.connackCode = code;
    if (packet.properties !== undefined) this.connackProperties = packet.properties;
    this.phase = Phase.Connected;
    wait.resolve(this);
  }

  /** The connect failed (error, timeout, close before CONNACK, bad packet): the socket goes, the promise rejects. */
  failConnect(error: Error): void {
    const wait = this.wait;
    if (wait === null) return;
    this.wait = null;
    this.phase = Phase.Done;
    clearTimeout(wait.timer);
    this.link.stream.destroy();
    wait.reject(error);
  }

  private badPacket(message: string): void {
    if (this.wait !== null) {
      this.failConnect(new OperationFailure('bad-packet', message));
      return;
    }
    // After CONNACK, as before: a stream that is not MQTT is closed.
    this.link.stream.destroy();
  }

  /** The stream closed: before CONNACK the connect fails, after it the close listener hears of it. */
  closed(): void {
    if (this.wait !== null) {
      this.failConnect(
        new OperationFailure('closed-before-connack', 'the broker closed the connection before CONNACK'),
      );
      return;
    }
    const wasConnected = this.phase === Phase.Connected;
    this.phase = Phase.Done;
    releaseFrames(this);
    if (wasConnected) this.closeListener?.(this);
  }

  /** Writes one packet; false when the socket is already gone. */
  send(packet: Packet): boolean {
    if (this.socket.destroyed) return false;
    this.socket.write(mqttPacket.generate(packet, { protocolVersion: this.protocolVersion }));
    return true;
  }

  /**
   * Clean way out: DISCONNECT, then close; resolves once the socket is closed: when the broker closes its side, or
   * after DISCONNECT_CLOSE_WAIT_MS when it does not (a broker that never closes must not hold mqleak's sockets).
   */
  disconnect(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      const timer = setTimeout(() => this.vanish(), DISCONNECT_CLOSE_WAIT_MS);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.link.end(mqttPacket.generate({ cmd: 'disconnect' }, { protocolVersion: this.protocolVersion }));
    });
  }

  /** Unusual way out: the client vanishes, no DISCONNECT (the socket is closed under the broker). */
  vanish(): void {
    this.link.stream.destroy();
    this.link.tcp.destroy();
  }
}
