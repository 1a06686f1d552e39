import type { MqttClient } from 'mqtt';
import { targetError } from '../../core/errors.js';
import type { Credentials } from '../../core/credentials.js';
import type { BrokerAddress } from '../../net/broker-address.js';
import type { PeerBroker } from '../../target/peer-broker.js';
import { decodeSeq, encodeSeq, FlowLedger } from './flow-ledger.js';
import { connectMqttJs } from '../../net/mqtt-js.js';

// Messages both ways through a bridge: mqleak publishes on the target (target → peer, "out") and on its
// peer (peer → target, "in"), each a numbered message on one fixed topic, and counts what arrives at the
// other end. One fixed topic per direction: ever-new topics would add topic-tree growth of their own.

export type QoS = 0 | 1 | 2;

export interface BridgeTrafficOptions {
  target: BrokerAddress;
  peer: PeerBroker;
  /**
   * Full topics (prefix plus the run's token): mqleak publishes `out.atTarget` on the target and expects it as
   * `out.atPeer` on the peer; `in` the other way. They differ when the bridge rewrites topics.
   */
  out: { atTarget: string; atPeer: string };
  in: { atPeer: string; atTarget: string };
  qos: QoS;
  /** Messages per second in each direction while the flow runs. */
  ratePerSecond: number;
  clientId: string;
  connectTimeoutMs: number;
  /** For a target that refuses anonymous clients (`--username` / `--password`). */
  credentials?: Credentials;
}

/** MQTT.js reconnects its client to the target on its own if the target drops it; the target is not what flaps. */
const TARGET_CLIENT_RECONNECT_MS = 1000;
/** SUBACK return code of a refused subscription. */
const SUBSCRIPTION_REFUSED = 128;

export class BridgeTraffic {
  /** target → peer */
  readonly out = new FlowLedger();
  /** peer → target */
  readonly in = new FlowLedger();
  private timer: NodeJS.Timeout | null = null;
  private readonly stopPeerListener: () => void;

  private constructor(
    private readonly client: MqttClient,
    private readonly options: BridgeTrafficOptions,
  ) {
    client.on('message', (topic, payload) => {
      if (topic === options.in.atTarget) this.in.receive(decodeSeq(payload));
    });
    this.stopPeerListener = options.peer.onPublish((topic, payload) => {
      if (topic === options.out.atPeer) this.out.receive(decodeSeq(payload));
    });
  }

  /** Connects mqleak's client to the target and subscribes it to the inbound topic. */
  static async start(options: BridgeTrafficOptions): Promise<BridgeTraffic> {
    const { target } = options;
    let client: MqttClient;
    try {
      client = await connectMqttJs(target, {
        clientId: options.clientId,
        clean: true,
        protocolVersion: 4,
        connectTimeout: options.connectTimeoutMs,
        reconnectPeriod: TARGET_CLIENT_RECONNECT_MS,
        username: options.credentials?.username,
        password: options.credentials?.password,
      });
    } catch (error) {
      throw targetError(
        `cannot connect mqleak's client to the target ${target.url}: ${(error as Error).message}`,
        'check the broker accepts an MQTT 3.1.1 client (--username / --password for one that refuses anonymous ones)',
      );
    }
    const traffic = new BridgeTraffic(client, options);
    const grants = await client.subscribeAsync(options.in.atTarget, { qos: options.qos }).catch((error: Error) => {
      void client.endAsync(true);
      throw targetError(
        `the target ${target.url} refused mqleak's subscription to ${options.in.atTarget}: ${error.message}`,
        'check the broker lets an anonymous client subscribe',
      );
    });
    if (grants.some((grant) => grant.qos === SUBSCRIPTION_REFUSED)) {
      await traffic.close();
      throw targetError(
        `the target ${target.url} refused mqleak's subscription to ${options.in.atTarget}`,
        "check the broker's ACLs let an anonymous client subscribe there",
      );
    }
    return traffic;
  }

  get flowing(): boolean {
    return this.timer !== null;
  }

  /** Starts publishing one message each way every 1/rate seconds. */
  startFlow(): void {
    if (this.timer !== null) return;
    const { qos, out, in: inbound, peer } = this.options;
    this.timer = setInterval(() => {
      this.client.publish(out.atTarget, encodeSeq(this.out.send()), { qos }, () => undefined);
      peer.publish(inbound.atPeer, encodeSeq(this.in.send()), qos).catch(() => undefined);
    }, 1000 / this.options.ratePerSecond);
  }

  stopFlow(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Waits until a message sent at or after `fromSeq` arrives: forwarding works again in that direction.
   * Returns how long it took (ms) and the sequence number that arrived, or null on timeout or abort.
   * The flow must be running.
   */
  async waitForResume(
    direction: 'out' | 'in',
    fromSeq: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ ms: number; seq: number } | null> {
    const ledger = direction === 'out' ? this.out : this.in;
    const started = Date.now();
    const ok = await ledger.waitFor(() => ledger.arrivedSince(fromSeq), timeoutMs, signal);
    return ok ? { ms: Date.now() - started, seq: ledger.highestArrived } : null;
  }

  /**
   * Waits (bounded) for the messages still in flight after the flow stopped; those sent in an outage may never come.
   */
  async drain(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.out.waitFor(() => this.out.allExpectedArrived(), timeoutMs, signal);
    await this.in.waitFor(() => this.in.allExpectedArrived(), Math.max(0, deadline - Date.now()), signal);
  }

  async close(): Promise<void> {
    this.stopFlow();
    this.stopPeerListener();
    await this.client.endAsync(true).catch(() => undefined);
  }
}
