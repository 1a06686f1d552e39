import type { IConnectPacket } from 'mqtt-packet';
import { openObserver, type Observer } from '../load/clients/observer-client.js';
import { connectExtrasFor, isProtocolLevelRefusal, MQTT5_VARIANT } from '../load/wire/raw-helpers.js';
import { RawMqttConnection } from '../load/clients/raw-mqtt-client.js';
import { runOperations } from '../load/pacing/run-operations.js';
import { isAbrupt } from './connect-churn.js';
import type { PatternDefinition, VariantSpace } from './pattern.js';
import { cycleFamily } from './shared/rotation.js';
import { numberParam, type Params } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { shareSpec } from './shared/param-specs.js';

// Clients with a will that vanish: the broker keeps the will with the session and must publish it when
// the connection drops, then free it; a clean DISCONNECT must discard it unpublished. MQTT 5 adds a
// will delay (the will waits in a timer, the session past the connection) and will properties. A will
// is allocated on the way in and given back on two different ways out: where brokers have leaked.

/**
 * Checks: the will of a client that vanished arrived; none arrived after a clean DISCONNECT; an MQTT 5 will not before
 * its delay.
 */
export const WILL_PUBLISHED = 'will-published';
export const WILL_DISCARDED = 'will-discarded';
export const WILL_DELAYED = 'will-delayed';
/** How much earlier than its delay a will may arrive before it counts as early: timer and scheduling slack. */
const DELAY_SLACK_MS = 100;
/** How often the end of a cycle looks whether every expected will arrived. */
const WILL_POLL_MS = 50;

interface Sent {
  vanished: boolean;
  v5: boolean;
  /** Date.now() when the client vanished or disconnected. */
  at: number;
}

/** `serial:padding` so the observer can tell which client's will it got. */
export function willPayload(serial: number, bytes: number): Buffer {
  const head = `${serial}:`;
  return Buffer.concat([Buffer.from(head), Buffer.alloc(Math.max(0, bytes - head.length), 0x77)]);
}

export function serialOfWill(payload: Buffer): number {
  return Number(payload.subarray(0, payload.indexOf(0x3a)).toString());
}

/** A kind of will client: its protocol level and how it leaves. */
interface WillKind {
  v5: boolean;
  vanish: boolean;
}

const kindName = (kind: WillKind): string => `${kind.v5 ? 'v5' : 'v4'}-${kind.vanish ? 'vanish' : 'disconnect'}`;

/** The kinds the shares make: a share of 0 or 1 leaves one side out. */
function willKinds(params: Params): WillKind[] {
  const v5Share = numberParam(params, 'v5Share');
  const cancelShare = numberParam(params, 'cancelShare');
  const levels = [...(v5Share < 1 ? [false] : []), ...(v5Share > 0 ? [true] : [])];
  const ways = [...(cancelShare < 1 ? [true] : []), ...(cancelShare > 0 ? [false] : [])];
  return levels.flatMap((v5) => ways.map((vanish) => ({ v5, vanish })));
}

const KIND_WORDS: Record<string, { words: string; rule: string }> = {
  'v4-vanish': {
    words: 'an MQTT 3.1.1 client with a QoS 1 will that vanishes (socket closed without DISCONNECT)',
    rule: 'MQTT 3.1.1 3.1.2.5 [MQTT-3.1.2-8]: the will is published when the connection closes without DISCONNECT',
  },
  'v4-disconnect': {
    words: 'an MQTT 3.1.1 client with a QoS 1 will that sends DISCONNECT',
    rule: 'MQTT 3.1.1 3.1.2.5 [MQTT-3.1.2-10], 3.14.4: DISCONNECT discards the will unpublished',
  },
  'v5-vanish': {
    words: 'an MQTT 5 client with a delayed will (properties, session expiry) that vanishes: the will waits in a timer',
    rule: 'MQTT 5.0 3.1.2.5, 3.1.3.2.2: the will is published after its delay or when the session ends',
  },
  'v5-disconnect': {
    words: 'an MQTT 5 client with a delayed will that sends DISCONNECT 0x00',
    rule: 'MQTT 5.0 3.1.2.5, 3.14.2.1: DISCONNECT with reason 0x00 discards the will',
  },
};

/**
 * One family per kind of will client (protocol level × way out) that the shares make. The shares set
 * which kinds exist and their mix in warm-up and in runs too short to rotate; a rotating measured cycle
 * runs one kind only. Each family is one case.
 */
export const WILL_VARIANT_SPACE: VariantSpace = {
  families: (params) => willKinds(params).map(kindName),
  cases: (_params, family) => {
    const words = KIND_WORDS[family];
    return words === undefined ? [] : [{ id: family, description: words.words, rule: words.rule }];
  },
  restrict: (params, family) => ({
    ...params,
    v5Share: family.startsWith('v5') ? 1 : 0,
    cancelShare: family.endsWith('disconnect') ? 1 : 0,
  }),
};

export const willChurn: PatternDefinition = {
  name: 'will-churn',
  summary:
    'clients with a will (3.1.1; 5 with will delay and properties) vanish, or DISCONNECT ' +
    'cleanly; an observer checks the wills',
  operation: 'connection',
  variants: WILL_VARIANT_SPACE,
  params: {
    cancelShare: {
      type: 'number',
      default: 0.25,
      minimum: 0,
      maximum: 1,
      description: 'share of clients that DISCONNECT cleanly: their will must not be published',
    },
    v5Share: shareSpec('share of clients on MQTT 5 (will delay, will properties, session expiry); the rest on 3.1.1'),
    willDelaySeconds: {
      type: 'integer',
      default: 1,
      minimum: 0,
      maximum: 3600,
      description: 'MQTT 5 will delay interval',
    },
    sessionExpirySeconds: {
      type: 'integer',
      default: 2,
      minimum: 0,
      maximum: 3600,
      description:
        'MQTT 5 session expiry interval; a will is published at the end of its delay or of ' +
        'the session, whichever is first',
    },
    willQos: { type: 'integer', default: 1, minimum: 0, maximum: 1, description: 'QoS of the will message' },
    payloadBytes: {
      type: 'integer',
      default: 64,
      minimum: 8,
      maximum: 65_536,
      description: 'size of each will payload',
    },
    willWaitMs: {
      type: 'integer',
      default: 5000,
      minimum: 100,
      maximum: 600_000,
      description: 'after a cycle, wait at most this long (beyond the will delay) for the wills still expected',
    },
    connectTimeoutMs: {
      type: 'integer',
      default: 5000,
      minimum: 100,
      maximum: 60000,
      description: 'give up on one connection (to CONNACK) after this long',
    },
  },
  // Each client and its will are independent: over agents each runs a share of every cycle, with its own
  // observer on its own run token's will topic (one more connection per agent, held over the scenario).
  splitsCycles: {},
  extraCycleMs(params: Params) {
    // The last will of a cycle arrives about its delay after the client vanished.
    return numberParam(params, 'v5Share') > 0
      ? Math.min(numberParam(params, 'willDelaySeconds'), numberParam(params, 'sessionExpirySeconds')) * 1000
      : 0;
  },
  async start(context) {
    const { host, port, transport } = context.broker;
    const params = context.params;
    const cancelShare = numberParam(params, 'cancelShare');
    const v5Share = numberParam(params, 'v5Share');
    const willDelaySeconds = numberParam(params, 'willDelaySeconds');
    const sessionExpirySeconds = numberParam(params, 'sessionExpirySeconds');
    const willQos = numberParam(params, 'willQos') as 0 | 1;
    const payloadBytes = numberParam(params, 'payloadBytes');
    const willWaitMs = numberParam(params, 'willWaitMs');
    const timeoutMs = numberParam(params, 'connectTimeoutMs');
    /** MQTT 5: the will goes out at the end of its delay or of the session, whichever comes first. */
    const v5DelayMs = Math.min(willDelaySeconds, sessionExpirySeconds) * 1000;
    const prefix = `mqleak-${context.runToken}-will`;
    const topic = `mqleak/${context.runToken}/will`;
    const credentials = connectExtrasFor(context.credentials);
    const facts = new ProtocolFacts();
    const sent = new Map<number, Sent>();
    const arrived = new Map<number, number>();
    let serial = 0;

    const observer: Observer = await openObserver({
      broker: context.broker,
      clientId: `${prefix}-observer`,
      filter: topic,
      credentials: context.credentials,
      timeoutMs,
      onMessage: (_topic, payload) => arrived.set(serialOfWill(payload), Date.now()),
    });

    /** Set when the broker refused MQTT 5 (Aedes): the rest of the run stays on 3.1.1 and says so. */
    let v5Refused = false;

    const kinds = willKinds(params);
    /** The kind this cycle runs (rotation), or null when it mixes them by the shares. */
    let cycleKind: WillKind | null = null;

    const operation = async (): Promise<void> => {
      const id = serial++;
      const v5 = (cycleKind === null ? isAbrupt(id, v5Share) : cycleKind.v5) && !v5Refused;
      const vanish = cycleKind === null ? !isAbrupt(id, cancelShare) : cycleKind.vanish;
      const will: NonNullable<IConnectPacket['will']> = {
        topic,
        payload: willPayload(id, payloadBytes),
        qos: willQos,
        retain: false,
      };
      const extras: Pick<IConnectPacket, 'properties' | 'username' | 'password' | 'will'> = { ...credentials, will };
      if (v5) {
        will.properties = {
          willDelayInterval: willDelaySeconds,
          payloadFormatIndicator: false,
          messageExpiryInterval: 300,
          contentType: 'application/octet-stream',
          responseTopic: `${topic}/response`,
          correlationData: Buffer.from(String(id)),
          userProperties: { mqleak: 'will-churn' },
        };
        extras.properties = { sessionExpiryInterval: sessionExpirySeconds };
      }
      let connection: RawMqttConnection;
      try {
        connection = await RawMqttConnection.connect({
          host,
          port,
          transport,
          clientId: `${prefix}-${id}`,
          protocolVersion: v5 ? 5 : 4,
          keepalive: 30,
          clean: true,
          timeoutMs,
          connectExtras: extras,
        });
      } catch (error) {
        if (!v5 || !isProtocolLevelRefusal(error)) throw error;
        v5Refused = true;
        facts.answer(MQTT5_VARIANT, `refused: ${(error as { kind: string }).kind}`);
        return operation(); // the same operation again, on 3.1.1
      }
      if (vanish) connection.vanish();
      else await connection.disconnect();
      sent.set(id, { vanished: vanish, v5, at: Date.now() });
    };

    /** Waits until every vanished client's will is in, or the bound passes. */
    const awaitWills = async (): Promise<void> => {
      const deadline = Date.now() + (v5Share > 0 ? v5DelayMs : 0) + willWaitMs;
      const missing = (): boolean => [...sent].some(([id, entry]) => entry.vanished && !arrived.has(id));
      while (missing() && Date.now() < deadline && !context.signal.aborted && observer.connected) {
        await new Promise((resolve) => setTimeout(resolve, WILL_POLL_MS));
      }
    };

    return {
      async runCycle(request) {
        // One kind per measured cycle, in rotation (its growth credited to it); warm-up mixes them by the shares.
        const family = cycleFamily(params, kinds.map(kindName), request.index);
        cycleKind = kinds.find((kind) => kindName(kind) === family) ?? null;
        const tally = await runOperations(
          request.operations,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          operation,
        );
        await awaitWills();
        for (const [id, entry] of sent) {
          const at = arrived.get(id);
          if (entry.vanished) {
            facts.check(WILL_PUBLISHED, at !== undefined);
            if (at !== undefined && entry.v5 && v5DelayMs > 0) {
              facts.check(WILL_DELAYED, at - entry.at >= v5DelayMs - DELAY_SLACK_MS);
              facts.observe('willDelayMs', at - entry.at);
            } else if (at !== undefined) {
              facts.observe('willLatencyMs', at - entry.at);
            }
          } else {
            facts.check(WILL_DISCARDED, at === undefined);
          }
        }
        if (v5Refused) facts.declare(WILL_DELAYED);
        sent.clear();
        arrived.clear();
        return {
          operations: tally.attempted,
          ...tally,
          ...facts.take(),
          ...(family === undefined ? {} : { variant: family }),
        };
      },
      teardown: () => observer.close(),
    };
  },
};
