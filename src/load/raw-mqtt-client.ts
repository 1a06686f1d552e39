import type { Duplex } from 'node:stream';
import mqttPacket, { type IConnackPacket, type IConnectPacket, type Packet } from 'mqtt-packet';
import type { TransportSettings } from '../target/broker-address.js';
import { OperationFailure } from './run-operations.js';
import { dial, type Link } from './transport.js';

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
  /** Source address to bind the socket to (spreading connections over source addresses: see source-addresses.ts); none: the kernel's choice. */
  localAddress?: string;
  /** Every packet the broker sends after CONNACK (subscription, publish and ack flows); set before connecting so none is missed. */
  onPacket?: (packet: Packet) => void;
  /** Extra CONNECT fields: MQTT 5 properties (session expiry ...), username and password, a will. */
  connectExtras?: Pick<IConnectPacket, 'properties' | 'username' | 'password' | 'will'>;
}

/**
 * A lean MQTT client on a bare connection (TCP, TLS, WebSocket: see transport.ts): packets encoded and
 * parsed with mqtt-packet, no timers beyond the operation's own timeout. For patterns that need the wire,
 * not a full client library.
 */
export class RawMqttConnection {
  private constructor(
    readonly link: Link,
    readonly protocolVersion: ProtocolVersion,
    readonly connack: IConnackPacket,
  ) {}

  /** The MQTT byte stream (the socket for plain TCP). */
  get socket(): Duplex {
    return this.link.stream;
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
      const link = dial(options.host, options.port, options.transport, options.localAddress === undefined ? {} : { localAddress: options.localAddress });
      const socket = link.stream;
      const parser = mqttPacket.parser({ protocolVersion: options.protocolVersion });
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new OperationFailure('timeout', `no CONNACK within ${options.timeoutMs} ms`)), options.timeoutMs);
      socket.once('error', fail);
      socket.once('close', () => fail(new OperationFailure('closed-before-connack', 'the broker closed the connection before CONNACK')));
      parser.on('error', (error: Error) => fail(new OperationFailure('bad-packet', error.message)));
      let connected = false;
      parser.on('packet', (packet: Packet) => {
        if (connected) {
          options.onPacket?.(packet);
          return;
        }
        if (packet.cmd !== 'connack') return;
        clearTimeout(timer);
        socket.removeAllListeners('close');
        socket.removeListener('error', fail);
        socket.on('error', () => undefined); // later errors belong to the close, not the operation
        const code = options.protocolVersion === 5 ? packet.reasonCode : packet.returnCode;
        if (code !== undefined && code !== 0) {
          socket.destroy();
          reject(new OperationFailure(`connack-${code}`, `the broker refused the connection (CONNACK code ${code})`));
          return;
        }
        connected = true;
        resolve(new RawMqttConnection(link, options.protocolVersion, packet));
      });
      socket.on('data', (chunk: Buffer) => parser.parse(chunk));
      link.onOpen(() => socket.write(mqttPacket.generate(connect, { protocolVersion: options.protocolVersion })));
    });
  }

  /** Writes one packet; false when the socket is already gone. */
  send(packet: Packet): boolean {
    if (this.socket.destroyed) return false;
    this.socket.write(mqttPacket.generate(packet, { protocolVersion: this.protocolVersion }));
    return true;
  }

  /** Clean way out: DISCONNECT, then close; resolves once the socket is closed. */
  disconnect(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      this.socket.once('close', () => resolve());
      this.link.end(mqttPacket.generate({ cmd: 'disconnect' }, { protocolVersion: this.protocolVersion }));
    });
  }

  /** Unusual way out: the client vanishes, no DISCONNECT (the socket is closed under the broker). */
  vanish(): void {
    this.link.stream.destroy();
    this.link.tcp.destroy();
  }
}
