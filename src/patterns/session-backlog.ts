import { usageError } from '../core/errors.js';
import { MqttSession } from '../load/clients/mqtt-session.js';
import { runOperations } from '../load/pacing/run-operations.js';
import { SessionPool } from '../load/clients/session-pool.js';
import { sleep } from '../core/sleep.js';
import {
  ACK_TIMEOUT_PARAM,
  Arrivals,
  DELIVERY_TIMEOUT_PARAM,
  PROTOCOL_VERSION_PARAM,
  addTallies,
  cycleOutcome,
  fallBackFromMqtt5,
  runNames,
  sessionBase,
  slowOperationsMs,
} from './shared/session-kit.js';
import type { PatternDefinition } from './pattern.js';
import { numberParam, stringParam } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { cycleFamily, modeVariantSpace } from './shared/rotation.js';

// A persistent session outlives its connection: the broker keeps its subscriptions and queues QoS 1
// messages for it while it is offline. Brokers have leaked the queue or the whole session on the way
// out — when it is resumed and drained, or when it expires unclaimed. One operation is one session:
// subscribe, go offline, messages queue up; then either reconnect and drain the backlog (and end the
// session), or let the session expire (MQTT 5) and check on reconnect it is gone.

const OUTCOMES = ['drain', 'expire', 'mixed'] as const;
/**
 * Session expiry of sessions that are to be drained: long enough never to expire while offline in a
 * cycle, short enough that a run cut short leaves nothing behind for long.
 */
const DRAIN_SESSION_EXPIRY_SECONDS = 600;
/** Brokers check expiry on a timer (Mosquitto: about once a second): wait this much past the expiry. */
const EXPIRY_GRACE_MS = 1500;

const EXPIRED_SESSION_GONE = 'expired-session-gone';

/** One family per outcome when `outcome` is mixed. */
export const SESSION_BACKLOG_VARIANT_SPACE = modeVariantSpace('outcome', ['drain', 'expire'], {
  drain: {
    words: 'a persistent session taken offline with messages queued, then resumed and drained, then ended',
    rule: 'MQTT 3.1.1 3.1.2.4 / MQTT 5.0 3.1.2.11.2, 4.1: the queued messages are delivered when the session resumes',
  },
  expire: {
    words: 'an MQTT 5 persistent session taken offline with messages queued, left to expire',
    rule: 'MQTT 5.0 3.1.2.11.2: the session and its queued messages are discarded when the expiry interval passes',
  },
});

/** What happens to the session of operation `index`. */
export function sessionOutcome(mode: string, index: number): 'drain' | 'expire' {
  if (mode === 'mixed') return index % 2 === 0 ? 'drain' : 'expire';
  return mode === 'expire' ? 'expire' : 'drain';
}

interface OfflineSession {
  n: number;
  outcome: 'drain' | 'expire';
  /** Messages the broker acknowledged while the session was offline. */
  queued: number;
}

/**
 * Sessions per second on Mosquitto 2.0.11 (5 queued messages, 20 in flight), the expiry wait aside: for duration
 * estimates.
 */
const SESSIONS_PER_SECOND = 700;

export const sessionBacklog: PatternDefinition = {
  name: 'session-backlog',
  summary: 'persistent sessions go offline while QoS 1 messages queue; reconnect and drain, or let them expire',
  operation: 'session',
  variants: SESSION_BACKLOG_VARIANT_SPACE,
  params: {
    outcome: {
      type: 'string',
      default: 'mixed',
      enum: OUTCOMES,
      description:
        'drain (reconnect, receive the backlog, end the session), expire (MQTT 5: let the ' +
        'session expire offline), or mixed (alternating)',
    },
    queuedMessages: {
      type: 'integer',
      default: 5,
      minimum: 0,
      maximum: 1000,
      description: 'QoS 1 messages published to each session while it is offline',
    },
    payloadBytes: {
      type: 'integer',
      default: 64,
      minimum: 0,
      maximum: 1_048_576,
      description: 'size of each queued message',
    },
    expirySeconds: {
      type: 'integer',
      default: 1,
      minimum: 1,
      maximum: 3600,
      description: 'session expiry interval of the sessions left to expire (MQTT 5); each cycle waits it out',
    },
    protocolVersion: PROTOCOL_VERSION_PARAM(5),
    ackTimeoutMs: ACK_TIMEOUT_PARAM,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_PARAM,
  },
  extraCycleMs: (params) =>
    slowOperationsMs(params, SESSIONS_PER_SECOND) +
    (params.outcome === 'drain' ? 0 : numberParam(params, 'expirySeconds') * 1000 + EXPIRY_GRACE_MS),
  async start(context) {
    const names = runNames(context, 'session');
    const facts = new ProtocolFacts();
    const asked = sessionBase(context);
    let mode = stringParam(context.params, 'outcome');
    if (asked.protocolVersion !== 5 && mode !== 'drain') {
      throw usageError(
        `session-backlog: outcome ${mode} needs MQTT 5 (session expiry)`,
        'use --set protocolVersion=5, or --set outcome=drain for MQTT 3.1.1',
      );
    }
    const base = await fallBackFromMqtt5(asked, names.clientId('mqtt5-probe'), facts);
    const v5 = base.protocolVersion === 5;
    // A broker without MQTT 5 has no session expiry to exercise: every session is drained, and the
    // expiry check is reported as not exercised rather than left out.
    const expiryUnexercised = !v5 && mode !== 'drain';
    if (expiryUnexercised) mode = 'drain';
    const queuedMessages = numberParam(context.params, 'queuedMessages');
    const payload = Buffer.alloc(numberParam(context.params, 'payloadBytes'), 0x71);
    const expirySeconds = numberParam(context.params, 'expirySeconds');
    const deliveryTimeoutMs = numberParam(context.params, 'deliveryTimeoutMs');
    const comeBackBoundMs = numberParam(context.params, 'cycleTimeoutSeconds') * 1000;
    const publishers = new SessionPool((serial) =>
      MqttSession.open({ ...base, clientId: names.clientId(`pub-${serial}`), clean: true }),
    );
    let serial = 0;

    /** Subscribe a new persistent session, take it offline, queue messages for it. */
    const families = SESSION_BACKLOG_VARIANT_SPACE.families(context.params);
    const goOffline = async (index: number, offline: OfflineSession[], cycleMode: string): Promise<void> => {
      const n = serial++;
      const outcome = sessionOutcome(cycleMode, index);
      const session = await MqttSession.open({
        ...base,
        clientId: names.clientId(String(n)),
        // 3.1.1: a persistent session is clean=false; 5: a clean start with an expiry keeps it after the connection.
        clean: v5,
        sessionExpirySeconds: outcome === 'expire' ? expirySeconds : DRAIN_SESSION_EXPIRY_SECONDS,
      });
      try {
        await session.subscribe([{ topic: names.topic(String(n)), qos: 1 }]);
        facts.check('suback-received', true);
      } catch (error) {
        facts.check('suback-received', false);
        session.vanish();
        throw error;
      }
      await session.disconnect();
      const entry: OfflineSession = { n, outcome, queued: 0 };
      offline.push(entry);
      await publishers.use(async (publisher) => {
        for (let i = 0; i < queuedMessages; i++) {
          await publisher.publish(names.topic(String(n)), payload, { qos: 1 });
          entry.queued++;
        }
      });
    };

    /** Reconnect to the session: drain its backlog, or find it expired; then end it for good. */
    const comeBack = async (entry: OfflineSession): Promise<void> => {
      const arrivals = new Arrivals();
      const topic = names.topic(String(entry.n));
      const session = await MqttSession.open({
        ...base,
        clientId: names.clientId(String(entry.n)),
        clean: false,
        // Expiry 0 on the way back: the session ends with this connection (MQTT 5).
        sessionExpirySeconds: 0,
        onMessage: (packet) => {
          if (packet.topic === topic) arrivals.add();
        },
      });
      try {
        if (entry.outcome === 'expire') {
          facts.check(EXPIRED_SESSION_GONE, !session.sessionPresent);
          facts.answer('reconnect after expiry', session.sessionPresent ? 'session present' : 'no session');
          return;
        }
        facts.check('session-present', session.sessionPresent);
        facts.answer('reconnect to drain', session.sessionPresent ? 'session present' : 'no session');
        const drained = await arrivals.waitFor(entry.queued, deliveryTimeoutMs, context.signal);
        for (let i = 0; i < entry.queued; i++) facts.check('backlog-drained', i < drained);
      } finally {
        await session.disconnect();
      }
      if (!v5) {
        // 3.1.1 has no expiry: a clean connection under the same id discards the session.
        const discard = await MqttSession.open({ ...base, clientId: names.clientId(String(entry.n)), clean: true });
        await discard.disconnect();
      }
    };

    return {
      runCycle: async (request) => {
        // One outcome per measured cycle, in rotation (its growth credited to it); warm-up mixes them. Without
        // MQTT 5 every session is drained, whatever the family.
        const family = cycleFamily(context.params, families, request.index);
        const cycleMode = expiryUnexercised ? 'drain' : (family ?? mode);
        const offline: OfflineSession[] = [];
        const wentOffline = await runOperations(
          request.operations,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          (index) => goOffline(index, offline, cycleMode),
        );
        if (offline.some((entry) => entry.outcome === 'expire'))
          await sleep(expirySeconds * 1000 + EXPIRY_GRACE_MS, context.signal);
        // Every session that went offline comes back, even past the cycle's deadline (the expiry wait may
        // have taken it): one left behind would hold its backlog for DRAIN_SESSION_EXPIRY_SECONDS and look
        // like a leak. The way back gets a bound of its own.
        const cameBack = await runOperations(
          offline.length,
          request.concurrency,
          Date.now() + comeBackBoundMs,
          context.signal,
          (i) => comeBack(offline[i] as OfflineSession),
        );
        if (expiryUnexercised) facts.declare(EXPIRED_SESSION_GONE);
        const outcome = cycleOutcome(wentOffline.attempted, addTallies([wentOffline, cameBack]), facts.take());
        return family === undefined ? outcome : { ...outcome, variant: family };
      },
      teardown: () => publishers.close(),
    };
  },
};
