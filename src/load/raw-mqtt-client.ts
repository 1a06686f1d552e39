import net from 'node:net';
import mqttPacket, { type IConnackPacket, type IConnectPacket, type Packet } from 'mqtt-packet';
import { OperationFailure } from './run-operations.js';

export type ProtocolVersion = 4 | 5;

export interface RawConnectOptions {
  host: string;
  port: number;
  clientId: string;
  protocolVersion: ProtocolVersion;
  keepalive: number;
  clean: boolean;
  timeoutMs: number;
  /** Every packet the broker sends after CONNACK (subscription, publish and ack flows); set before connecting so none is missed. */
  onPacket?: (packet: Packet) => void;
  /** Extra CONNECT fields: MQTT 5 properties (session expiry ...), username and password, a will. */
  connectExtras?: Pick<IConnectPacket, 'properties' | 'username' | 'password' | 'will'>;
}

/**
 * A lean MQTT client on a bare socket: packets encoded and parsed with mqtt-packet, no timers beyond the
 * operation's own timeout. For patterns that need the wire, not a full client library.
 */
export class RawMqttConnection {
  private constructor(
    readonly socket: net.Socket,
    readonly protocolVersion: ProtocolVersion,
    readonly connack: IConnackPacket,
  ) {}

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
      const socket = net.connect({ host: options.host, port: options.port });
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
        resolve(new RawMqttConnection(socket, options.protocolVersion, packet));
      });
      socket.on('data', (chunk: Buffer) => parser.parse(chunk));
      socket.once('connect', () => socket.write(mqttPacket.generate(connect, { protocolVersion: options.protocolVersion })));
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
      this.socket.once('close', () => resolve());
      this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }, { protocolVersion: this.protocolVersion }));
      this.socket.destroySoon();
    });
  }

  /** Unusual way out: the client vanishes, no DISCONNECT (the socket is closed under the broker). */
  vanish(): void {
    this.socket.destroy();
  }
}
