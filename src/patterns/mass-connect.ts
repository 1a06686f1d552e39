import type { Packet } from 'mqtt-packet';
import { connectExtrasFor } from '../load/raw-helpers.js';
import { RawMqttConnection, type ProtocolVersion } from '../load/raw-mqtt-client.js';
import { runOperations } from '../load/run-operations.js';
import { sleep } from '../run/sleep.js';
import { isAbrupt } from './connect-churn.js';
import { numberParam, type Params, type PatternDefinition } from './pattern.js';
import { ProtocolFacts } from './protocol-facts.js';

// Moquette ≤ 0.13 leaked above ~10,000 clients: buffers not released on publish, session objects kept.
// A cycle fills the broker with N clients held at once (raw sockets: ~2–4 KB each in mqleak, where a full
// client library costs 13–23 KB), publishes through the broker at a set rate while they are held, then
// releases them all. Cycles of fill and drain: what the broker took for N clients must come back.

/** How often the publisher sends its share of the rate. */
const PUBLISH_TICK_MS = 100;
/** Topics the publishes are spread over (one level under the run's prefix). */
const TOPIC_SPREAD = 100;
/** Checks: no held client was dropped before its release; each subscriber got its SUBACK. */
export const STAYED_CONNECTED = 'held-until-released';
export const SUBSCRIBED = 'suback-received';

export const massConnect: PatternDefinition = {
  name: 'mass-connect',
  summary: 'fill the broker with N clients held at once, publishing through it at a set rate, then release them all',
  operation: 'client',
  params: {
    holdSeconds: { type: 'number', default: 5, minimum: 0, maximum: 3600, description: 'time every client of the cycle is held connected, once all are in' },
    publishRate: { type: 'number', default: 1000, minimum: 0, maximum: 100_000, description: 'messages per second published by the held clients (in turn) while the cycle fills and holds' },
    publishQos: { type: 'integer', default: 0, minimum: 0, maximum: 1, description: 'QoS of the publishes and of the subscriptions' },
    payloadBytes: { type: 'integer', default: 256, minimum: 0, maximum: 1_048_576, description: 'size of each published payload' },
    subscribers: { type: 'integer', default: 10, minimum: 0, maximum: 10_000, description: 'held clients that also subscribe to every publish (the broker fans each message out to them)' },
    abruptShare: { type: 'number', default: 0.5, minimum: 0, maximum: 1, description: 'share of clients released without DISCONNECT' },
    protocolVersion: { type: 'integer', default: 4, minimum: 4, maximum: 5, description: 'MQTT protocol level: 4 (3.1.1) or 5' },
    keepalive: { type: 'integer', default: 120, minimum: 0, maximum: 65535, description: 'keepalive seconds (held clients send no PINGREQ: keep it above the fill and hold time)' },
    connectTimeoutMs: { type: 'integer', default: 10000, minimum: 100, maximum: 60000, description: 'give up on one connection (to CONNACK) after this long' },
  },
  extraCycleMs(params: Params) {
    return numberParam(params, 'holdSeconds') * 1000;
  },
  async start(context) {
    const { host, port } = context.broker;
    const params = context.params;
    const holdMs = numberParam(params, 'holdSeconds') * 1000;
    const rate = numberParam(params, 'publishRate');
    const qos = numberParam(params, 'publishQos') as 0 | 1;
    const payload = Buffer.alloc(numberParam(params, 'payloadBytes'), 0x6d);
    const subscribers = numberParam(params, 'subscribers');
    const abruptShare = numberParam(params, 'abruptShare');
    const protocolVersion = numberParam(params, 'protocolVersion') as ProtocolVersion;
    const keepalive = numberParam(params, 'keepalive');
    const timeoutMs = numberParam(params, 'connectTimeoutMs');
    const prefix = `mqleak-${context.runToken}-mass`;
    const topicRoot = `mqleak/${context.runToken}/mass`;
    const extras = connectExtrasFor(context.credentials);
    const facts = new ProtocolFacts();
    let held: RawMqttConnection[] = [];
    let serial = 0;
    let messageId = 0;
    let published = 0;
    let delivered = 0;
    let subacks = 0;
    let releasing = false;
    let dropped = 0;

    const nextMessageId = (): number => (messageId = (messageId % 65535) + 1);

    const connectOne = async (index: number): Promise<void> => {
      const holder: { connection: RawMqttConnection | null } = { connection: null };
      const onPacket = (packet: Packet): void => {
        if (packet.cmd === 'suback') subacks++;
        if (packet.cmd !== 'publish') return;
        delivered++;
        if (packet.qos === 1 && packet.messageId !== undefined) holder.connection?.send({ cmd: 'puback', messageId: packet.messageId });
      };
      const connection = await RawMqttConnection.connect({
        host,
        port,
        clientId: `${prefix}-${serial++}`,
        protocolVersion,
        keepalive,
        clean: true,
        timeoutMs,
        onPacket,
        connectExtras: extras,
      });
      holder.connection = connection;
      connection.socket.once('close', () => {
        if (!releasing) dropped++;
      });
      held.push(connection);
      if (index < subscribers) connection.send({ cmd: 'subscribe', messageId: nextMessageId(), subscriptions: [{ topic: `${topicRoot}/#`, qos }] });
    };

    /** Publishes `rate` messages a second from the held clients in turn, until stopped. */
    const startPublishing = (): (() => void) => {
      if (rate === 0) return () => undefined;
      let owed = 0;
      let turn = 0;
      let last = Date.now();
      const timer = setInterval(() => {
        const now = Date.now();
        owed += ((now - last) / 1000) * rate;
        last = now;
        for (; owed >= 1 && held.length > 0; owed--) {
          const publisher = held[turn++ % held.length] as RawMqttConnection;
          const topic = `${topicRoot}/${turn % TOPIC_SPREAD}`;
          const sent = publisher.send(
            qos === 0
              ? { cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false }
              : { cmd: 'publish', topic, payload, qos: 1, messageId: nextMessageId(), dup: false, retain: false },
          );
          if (sent) published++;
        }
        if (held.length === 0) owed = 0;
      }, PUBLISH_TICK_MS);
      return () => clearInterval(timer);
    };

    const release = async (): Promise<void> => {
      releasing = true;
      const clients = held;
      held = [];
      await Promise.all(clients.map((connection, i) => (isAbrupt(i, abruptShare) ? connection.vanish() : connection.disconnect())));
      releasing = false;
    };

    return {
      async runCycle(request) {
        published = 0;
        delivered = 0;
        subacks = 0;
        dropped = 0;
        const stopPublishing = startPublishing();
        let tally;
        try {
          tally = await runOperations(request.operations, request.concurrency, request.deadlineMs, context.signal, connectOne);
          facts.observe('peakClients', held.length - dropped);
          await sleep(holdMs, context.signal);
        } finally {
          stopPublishing();
          const heldAtEnd = held.length;
          await release();
          facts.observe('publishedPerCycle', published);
          if (subscribers > 0) facts.observe('deliveredPerCycle', delivered);
          for (let i = 0; i < Math.min(subscribers, heldAtEnd + dropped); i++) facts.check(SUBSCRIBED, i < subacks);
          for (let i = 0; i < heldAtEnd; i++) facts.check(STAYED_CONNECTED, i >= dropped);
        }
        return { operations: tally.attempted, ...tally, ...facts.take() };
      },
      teardown: release,
    };
  },
};
