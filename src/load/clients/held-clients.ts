import type { Packet } from 'mqtt-packet';
import type { TransportSettings } from '../../net/broker-address.js';
import { connectExtrasFor } from '../wire/raw-helpers.js';
import { RawMqttConnection, type ProtocolVersion } from './raw-mqtt-client.js';
import { runPaced } from '../pacing/pacing.js';
import type { OperationTally } from '../pacing/run-operations.js';
import { sourceFor } from '../fleet/source-addresses.js';

// One process's share of a crowd of clients held at once (mass-connect): connect them, publish through
// them at a set rate, release them. The same class runs in mqleak's own process for a crowd that fits
// its open-files limit and in each worker process (load-worker-main.ts) for one that does not, so every
// option is plain data that crosses the IPC channel.

/** How often the publisher sends its share of the rate. */
const PUBLISH_TICK_MS = 100;
/** Topics the publishes are spread over (one level under the run's prefix). */
const TOPIC_SPREAD = 100;

export interface HeldClientsOptions {
  host: string;
  port: number;
  /** mqtts://, ws://, wss:// (absent: plain TCP); PEM as text, so it crosses to workers as JSON. */
  transport?: TransportSettings;
  /** Client id prefix; ids are `${prefix}-${global index}-${cycle serial}` so no two shards collide. */
  clientIdPrefix: string;
  topicRoot: string;
  protocolVersion: ProtocolVersion;
  keepalive: number;
  connectTimeoutMs: number;
  /** Clients with a global index below this subscribe to `${topicRoot}/#`. */
  subscribers: number;
  qos: 0 | 1;
  payloadBytes: number;
  abruptShare: number;
  /**
   * Source addresses (see source-addresses.ts): `sourcesPerCycle` used in turn by global client index, the next set
   * each cycle; empty: unbound.
   */
  sourceAddresses: string[];
  sourcesPerCycle: number;
  credentials?: { username: string; password?: string };
}

export interface FillRequest {
  /** Global index of the shard's first client. */
  offset: number;
  count: number;
  concurrency: number;
  /** Connects started per second (the pacing engine); 0: as fast as `concurrency` allows. */
  rate: number;
  /** Date.now() after which no connect starts. */
  deadlineMs: number;
}

export interface FillResult {
  tally: OperationTally;
  /** Clients connected and still held once the fill ended. */
  held: number;
  /** How long the fill took. */
  fillMs: number;
}

export interface ReleaseResult {
  published: number;
  delivered: number;
  /** SUBSCRIBEs sent and SUBACKs received. */
  subscribesSent: number;
  subacks: number;
  /** Clients connected this cycle, and of those how many the broker dropped before their release. */
  connected: number;
  dropped: number;
}

/** Same rule as connect-churn's: a share spread evenly over the indices, not bunched at one end. */
function isAbrupt(index: number, abruptShare: number): boolean {
  return Math.floor((index + 1) * abruptShare) > Math.floor(index * abruptShare);
}

export class HeldClients {
  private held: RawMqttConnection[] = [];
  private readonly payload: Buffer;
  private cycle = 0;
  private messageId = 0;
  private published = 0;
  private delivered = 0;
  private subscribesSent = 0;
  private subacks = 0;
  private dropped = 0;
  private releasing = false;
  private stopPublishing: () => void = () => undefined;

  constructor(private readonly options: HeldClientsOptions) {
    this.payload = Buffer.alloc(options.payloadBytes, 0x6d);
  }

  get heldCount(): number {
    return this.held.length - this.dropped;
  }

  private nextMessageId(): number {
    return (this.messageId = (this.messageId % 65535) + 1);
  }

  /**
   * Every held connection's packets, one function for all (no closure per connection: see bench/generator-memory.ts).
   */
  private readonly onPacket = (packet: Packet, connection: RawMqttConnection): void => {
    if (packet.cmd === 'suback') this.subacks++;
    if (packet.cmd !== 'publish') return;
    this.delivered++;
    if (packet.qos === 1 && packet.messageId !== undefined)
      connection.send({ cmd: 'puback', messageId: packet.messageId });
  };

  private readonly onClose = (): void => {
    if (!this.releasing) this.dropped++;
  };

  private async connectOne(index: number): Promise<void> {
    const { options } = this;
    const connection = await RawMqttConnection.connect({
      host: options.host,
      port: options.port,
      transport: options.transport,
      localAddress: sourceFor(options.sourceAddresses, options.sourcesPerCycle, index, this.cycle),
      clientId: `${options.clientIdPrefix}-${index}-${this.cycle}`,
      protocolVersion: options.protocolVersion,
      keepalive: options.keepalive,
      clean: true,
      timeoutMs: options.connectTimeoutMs,
      onPacket: this.onPacket,
      onClose: this.onClose,
      connectExtras: connectExtrasFor(options.credentials),
    });
    this.held.push(connection);
    if (index < options.subscribers) {
      this.subscribesSent++;
      connection.send({
        cmd: 'subscribe',
        messageId: this.nextMessageId(),
        subscriptions: [{ topic: `${options.topicRoot}/#`, qos: options.qos }],
      });
    }
  }

  /**
   * Starts a cycle: counters reset, publishing at `rate` messages/s begins (it runs while the crowd fills and holds).
   */
  begin(rate: number): void {
    this.cycle++;
    this.published = 0;
    this.delivered = 0;
    this.subscribesSent = 0;
    this.subacks = 0;
    this.dropped = 0;
    this.releasing = false;
    this.stopPublishing();
    this.stopPublishing = this.startPublishing(rate);
  }

  async fill(request: FillRequest, signal: AbortSignal): Promise<FillResult> {
    const paced = await runPaced(
      request.count,
      request.rate > 0 ? request.rate : Infinity,
      request.concurrency,
      request.deadlineMs,
      signal,
      (i) => this.connectOne(request.offset + i),
    );
    const { attempted, failures, failureKinds, timedOut } = paced;
    return { tally: { attempted, failures, failureKinds, timedOut }, held: this.heldCount, fillMs: paced.elapsedMs };
  }

  /** Publishes `rate` messages a second from the held clients in turn, until stopped. */
  private startPublishing(rate: number): () => void {
    if (rate <= 0) return () => undefined;
    let owed = 0;
    let turn = 0;
    let last = Date.now();
    const { qos, topicRoot } = this.options;
    const timer = setInterval(() => {
      const now = Date.now();
      owed += ((now - last) / 1000) * rate;
      last = now;
      for (; owed >= 1 && this.held.length > 0; owed--) {
        const publisher = this.held[turn++ % this.held.length] as RawMqttConnection;
        const topic = `${topicRoot}/${turn % TOPIC_SPREAD}`;
        const sent = publisher.send(
          qos === 0
            ? { cmd: 'publish', topic, payload: this.payload, qos: 0, dup: false, retain: false }
            : {
                cmd: 'publish',
                topic,
                payload: this.payload,
                qos: 1,
                messageId: this.nextMessageId(),
                dup: false,
                retain: false,
              },
        );
        if (sent) this.published++;
      }
      if (this.held.length === 0) owed = 0;
    }, PUBLISH_TICK_MS);
    return () => clearInterval(timer);
  }

  /** Stops publishing and lets every client go (a share without DISCONNECT); the cycle's counts. */
  async release(): Promise<ReleaseResult> {
    this.stopPublishing();
    this.stopPublishing = () => undefined;
    this.releasing = true;
    const clients = this.held;
    this.held = [];
    // `releasing` stays set until the next cycle begins: an abruptly closed socket reports its close later.
    await Promise.all(
      clients.map((connection, i) =>
        isAbrupt(i, this.options.abruptShare) ? connection.vanish() : connection.disconnect(),
      ),
    );
    return {
      published: this.published,
      delivered: this.delivered,
      subscribesSent: this.subscribesSent,
      subacks: this.subacks,
      connected: clients.length,
      dropped: this.dropped,
    };
  }
}

/** Several shards' release counts as one. */
export function sumReleases(results: readonly ReleaseResult[]): ReleaseResult {
  const total: ReleaseResult = { published: 0, delivered: 0, subscribesSent: 0, subacks: 0, connected: 0, dropped: 0 };
  for (const result of results) {
    for (const key of Object.keys(total) as (keyof ReleaseResult)[]) total[key] += result[key];
  }
  return total;
}
