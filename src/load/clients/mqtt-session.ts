import mqttPacket, {
  type IConnackPacket,
  type IDisconnectPacket,
  type IPublishPacket,
  type ISubscription,
  type Packet,
  type QoS,
} from 'mqtt-packet';
import type { TransportSettings } from '../../net/broker-address.js';
import { RawMqttConnection, type ProtocolVersion } from './raw-mqtt-client.js';
import { OperationFailure } from '../pacing/run-operations.js';

// A raw MQTT session with the flows the subscription- and message-level patterns need (SUBSCRIBE,
// UNSUBSCRIBE, PUBLISH at QoS 0/1/2, acknowledging deliveries) and nothing else: no reconnects, no
// keepalive timer, no queue. Every wait is bounded; the socket can be left at any step on purpose
// (close before SUBACK, a QoS 2 publish without PUBREL, deliveries never acknowledged).

/** Message ids run 1..65535 (0 is not a valid packet identifier). */
const MAX_MESSAGE_ID = 65535;

export interface SessionCredentials {
  username: string;
  password?: string;
}

export interface SessionOptions {
  host: string;
  port: number;
  /** mqtts://, ws://, wss:// (absent: plain TCP). */
  transport?: TransportSettings;
  clientId: string;
  protocolVersion: ProtocolVersion;
  /** Clean session (3.1.1) / clean start (5). */
  clean: boolean;
  /** Bound on every answer awaited from the broker: CONNACK, SUBACK, PUBACK ... */
  timeoutMs: number;
  keepalive?: number;
  credentials?: SessionCredentials;
  /** MQTT 5 session expiry interval in CONNECT (seconds); ignored for 3.1.1. */
  sessionExpirySeconds?: number;
  /** Acknowledge QoS 1 and 2 deliveries (PUBACK; PUBREC then PUBCOMP). False leaves them in flight on purpose. */
  ackDeliveries?: boolean;
  /** Deliveries from the first byte after CONNACK (a resumed session's backlog follows it at once). */
  onMessage?: (packet: IPublishPacket) => void;
}

export interface PublishOptions {
  qos: QoS;
  retain?: boolean;
  /** QoS 2: send PUBREL after PUBREC (default). False stops after PUBREC: the flow is left half done. */
  release?: boolean;
}

type AckCmd = 'suback' | 'unsuback' | 'puback' | 'pubrec' | 'pubcomp';

interface Pending {
  resolve: (packet: Packet) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** The granted QoS or reason codes of a SUBACK (mqtt-packet types them loosely). */
function grantedCodes(packet: Packet): number[] {
  if (packet.cmd !== 'suback') return [];
  return packet.granted.map((entry) =>
    typeof entry === 'number' ? entry : Number((entry as { qos?: number }).qos ?? 0x80),
  );
}

export class MqttSession {
  private connection: RawMqttConnection | null = null;
  /** Packets that arrived in the same read as CONNACK, before the connection object existed. */
  private early: Packet[] = [];
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private closedFlag = false;
  private messageListener: ((packet: IPublishPacket) => void) | null = null;

  private constructor(private readonly options: SessionOptions) {
    this.messageListener = options.onMessage ?? null;
  }

  /**
   * Connects; rejects with an OperationFailure (`connack-N`, `timeout`, `ECONNREFUSED` ...) when the broker does not
   * accept.
   */
  static async open(options: SessionOptions): Promise<MqttSession> {
    const session = new MqttSession(options);
    const v5 = options.protocolVersion === 5;
    const extras: NonNullable<Parameters<typeof RawMqttConnection.connect>[0]['connectExtras']> = {};
    if (options.credentials !== undefined) {
      extras.username = options.credentials.username;
      if (options.credentials.password !== undefined) extras.password = Buffer.from(options.credentials.password);
    }
    if (v5 && options.sessionExpirySeconds !== undefined)
      extras.properties = { sessionExpiryInterval: options.sessionExpirySeconds };
    const connection = await RawMqttConnection.connect({
      host: options.host,
      port: options.port,
      transport: options.transport,
      clientId: options.clientId,
      protocolVersion: options.protocolVersion,
      keepalive: options.keepalive ?? 60,
      clean: options.clean,
      timeoutMs: options.timeoutMs,
      onPacket: (packet) => session.receive(packet),
      connectExtras: extras,
    });
    session.attach(connection);
    return session;
  }

  get connack(): IConnackPacket {
    return (this.connection as RawMqttConnection).connack;
  }

  get sessionPresent(): boolean {
    return this.connack.sessionPresent;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  get protocolVersion(): ProtocolVersion {
    return this.options.protocolVersion;
  }

  /** Every PUBLISH the broker delivers (after its acknowledgement was sent, when acknowledging). One listener. */
  onMessage(listener: ((packet: IPublishPacket) => void) | null): void {
    this.messageListener = listener;
  }

  /** SUBSCRIBE; resolves with the granted QoS / reason code per filter (≥ 0x80: refused). */
  async subscribe(subscriptions: ISubscription[]): Promise<number[]> {
    const messageId = this.messageId();
    return grantedCodes(await this.request({ cmd: 'subscribe', messageId, subscriptions }, 'suback', messageId));
  }

  /** SUBSCRIBE, and the connection closed right behind it (FIN after the packet): gone before the SUBACK can arrive. */
  async subscribeAndLeave(subscriptions: ISubscription[]): Promise<void> {
    await this.leaveWith({ cmd: 'subscribe', messageId: this.messageId(), subscriptions });
  }

  /** UNSUBSCRIBE; resolves on UNSUBACK. */
  async unsubscribe(filters: string[]): Promise<void> {
    const messageId = this.messageId();
    await this.request({ cmd: 'unsubscribe', messageId, unsubscriptions: filters }, 'unsuback', messageId);
  }

  /** PUBLISH; QoS 1 resolves on PUBACK, QoS 2 on PUBCOMP (or on PUBREC with `release: false`). */
  async publish(topic: string, payload: Buffer | string, options: PublishOptions): Promise<void> {
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic,
      payload,
      qos: options.qos,
      retain: options.retain ?? false,
      dup: false,
    };
    if (options.qos === 0) {
      this.send(packet);
      return;
    }
    const messageId = this.messageId();
    packet.messageId = messageId;
    if (options.qos === 1) {
      await this.request(packet, 'puback', messageId);
      return;
    }
    await this.request(packet, 'pubrec', messageId);
    if (options.release === false) return;
    await this.request({ cmd: 'pubrel', messageId }, 'pubcomp', messageId);
  }

  /** DISCONNECT (with MQTT 5 properties, e.g. a session expiry of 0 to end the session), then close. */
  async disconnect(properties?: IDisconnectPacket['properties']): Promise<void> {
    const packet: IDisconnectPacket = { cmd: 'disconnect' };
    if (this.options.protocolVersion === 5 && properties !== undefined) packet.properties = properties;
    await this.leaveWith(packet);
  }

  /** Writes a last packet with the FIN and resolves once the socket is closed. */
  private async leaveWith(packet: Packet): Promise<void> {
    const connection = this.connection;
    if (connection === null || this.closedFlag) return;
    await new Promise<void>((resolve) => {
      if (connection.socket.destroyed) {
        resolve();
        return;
      }
      connection.socket.once('close', () => resolve());
      connection.link.end(mqttPacket.generate(packet, { protocolVersion: connection.protocolVersion }));
    });
  }

  /** The client vanishes: the socket is closed under the broker, nothing said. */
  vanish(): void {
    this.connection?.vanish();
    this.onClose();
  }

  private attach(connection: RawMqttConnection): void {
    this.connection = connection;
    connection.socket.once('close', () => this.onClose());
    if (connection.socket.destroyed) this.onClose();
    const early = this.early;
    this.early = [];
    for (const packet of early) this.receive(packet);
  }

  private onClose(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const [key, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(
        new OperationFailure(`closed-before-${key.split(':')[0]}`, 'the connection closed before the broker answered'),
      );
    }
    this.pending.clear();
  }

  private messageId(): number {
    const id = this.nextId;
    this.nextId = id >= MAX_MESSAGE_ID ? 1 : id + 1;
    return id;
  }

  private send(packet: Packet): void {
    if (this.connection === null || this.closedFlag || !this.connection.send(packet)) {
      throw new OperationFailure('closed', 'the connection is closed');
    }
  }

  /**
   * Sends a packet and waits for the broker's answer to it. The wait is registered right after the
   * write, in the same tick: no answer can be read in between, and a failed write leaves no wait behind.
   */
  private request(packet: Packet, cmd: AckCmd, messageId: number): Promise<Packet> {
    this.send(packet);
    return this.expect(cmd, messageId);
  }

  private expect(cmd: AckCmd, messageId: number): Promise<Packet> {
    const key = `${cmd}:${messageId}`;
    return new Promise((resolve, reject) => {
      if (this.closedFlag) {
        reject(new OperationFailure(`closed-before-${cmd}`, 'the connection is closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new OperationFailure(`no-${cmd}`, `no ${cmd.toUpperCase()} within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.pending.set(key, { resolve, reject, timer });
    });
  }

  private receive(packet: Packet): void {
    if (this.connection === null) {
      this.early.push(packet);
      return;
    }
    switch (packet.cmd) {
      case 'publish':
        this.delivered(packet);
        return;
      case 'pubrel':
        if (this.options.ackDeliveries !== false) this.trySend({ cmd: 'pubcomp', messageId: packet.messageId });
        return;
      case 'suback':
      case 'unsuback':
      case 'puback':
      case 'pubrec':
      case 'pubcomp': {
        const key = `${packet.cmd}:${packet.messageId}`;
        const waiting = this.pending.get(key);
        if (waiting === undefined) return;
        this.pending.delete(key);
        clearTimeout(waiting.timer);
        waiting.resolve(packet);
        return;
      }
      default:
    }
  }

  private delivered(packet: IPublishPacket): void {
    if (this.options.ackDeliveries !== false) {
      if (packet.qos === 1) this.trySend({ cmd: 'puback', messageId: packet.messageId });
      if (packet.qos === 2) this.trySend({ cmd: 'pubrec', messageId: packet.messageId });
    }
    this.messageListener?.(packet);
  }

  private trySend(packet: Packet): void {
    this.connection?.send(packet);
  }
}
