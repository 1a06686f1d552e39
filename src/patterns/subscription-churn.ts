import type { ISubscription, QoS } from 'mqtt-packet';
import { MqttSession } from '../load/clients/mqtt-session.js';
import { SessionPool } from '../load/clients/session-pool.js';
import { ACK_TIMEOUT_PARAM, PROTOCOL_VERSION_PARAM, factCycle, runNames, sessionBase } from './shared/session-kit.js';
import type { PatternDefinition } from './pattern.js';
import { numberParam, stringParam } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';

// Go MQTT clients vanished without UNSUBSCRIBE and the broker held their subscriptions (and callbacks)
// forever; brokers have leaked subscription-tree nodes on wildcard filters and on a SUBSCRIBE whose
// client was gone before the SUBACK was written. One operation takes a subscription and leaves it one
// of four ways; `mixed` rotates through them.

export const SUBSCRIPTION_WAYS_OUT = ['unsubscribe', 'disconnect', 'vanish', 'before-suback'] as const;
export type SubscriptionWayOut = (typeof SUBSCRIPTION_WAYS_OUT)[number];

/** The way out of operation `index`: fixed, or rotating through all four. */
export function subscriptionWayOut(mode: string, index: number): SubscriptionWayOut {
  if (mode === 'mixed') return SUBSCRIPTION_WAYS_OUT[index % SUBSCRIPTION_WAYS_OUT.length] as SubscriptionWayOut;
  return mode as SubscriptionWayOut;
}

/** Unique filters under `base`: literal topics, and with wildcards every other one a `+` or `#` filter. */
export function subscriptionFilters(base: string, count: number, wildcards: boolean): string[] {
  return Array.from({ length: count }, (_, k) => {
    if (!wildcards || k % 2 === 0) return `${base}/${k}`;
    return k % 4 === 1 ? `${base}/${k}/+/leaf` : `${base}/${k}/#`;
  });
}

/** SUBACK codes as answers: `granted-1`, `refused-128` (0x80: failure; MQTT 5 reason codes ≥ 0x80). */
export function subackAnswer(code: number): string {
  return code < 0x80 ? `granted-${code}` : `refused-${code}`;
}

export const subscriptionChurn: PatternDefinition = {
  name: 'subscription-churn',
  summary: 'SUBSCRIBE unique filters and wildcards, then UNSUBSCRIBE, DISCONNECT, vanish, or close before SUBACK',
  operation: 'subscription',
  params: {
    wayOut: {
      type: 'string',
      default: 'mixed',
      enum: [...SUBSCRIPTION_WAYS_OUT, 'mixed'],
      description:
        'how a subscription ends: unsubscribe (UNSUBSCRIBE on a live connection), ' +
        'disconnect (DISCONNECT without UNSUBSCRIBE), ' +
        'vanish (socket closed, nothing said), before-suback (closed right behind the SUBSCRIBE), or mixed (rotating)',
    },
    filtersPerSubscribe: {
      type: 'integer',
      default: 2,
      minimum: 1,
      maximum: 100,
      description: 'topic filters in each SUBSCRIBE',
    },
    wildcards: { type: 'boolean', default: true, description: 'every other filter is a wildcard (`+` or `#`)' },
    qos: { type: 'integer', default: 1, minimum: 0, maximum: 2, description: 'QoS requested for each filter' },
    protocolVersion: PROTOCOL_VERSION_PARAM(4),
    ackTimeoutMs: ACK_TIMEOUT_PARAM,
  },
  async start(context) {
    const base = sessionBase(context);
    const names = runNames(context, 'sub');
    const mode = stringParam(context.params, 'wayOut');
    const filterCount = numberParam(context.params, 'filtersPerSubscribe');
    const wildcards = context.params.wildcards === true;
    const qos = numberParam(context.params, 'qos') as QoS;
    const facts = new ProtocolFacts();
    // Long-lived connections for the UNSUBSCRIBE way out: the subscription ends, the connection stays.
    const holders = new SessionPool((serial) =>
      MqttSession.open({ ...base, clientId: names.clientId(`holder-${serial}`), clean: true }),
    );
    let serial = 0;

    const subscribe = async (session: MqttSession, subscriptions: ISubscription[]): Promise<void> => {
      let granted: number[];
      try {
        granted = await session.subscribe(subscriptions);
      } catch (error) {
        facts.check('suback-received', false);
        throw error;
      }
      facts.check('suback-received', true);
      for (const code of granted) facts.answer('SUBSCRIBE', subackAnswer(code));
    };

    const operation = async (index: number): Promise<void> => {
      const n = serial++;
      const way = subscriptionWayOut(mode, index);
      const filters = subscriptionFilters(names.topic(String(n)), filterCount, wildcards);
      const subscriptions = filters.map((topic): ISubscription => ({ topic, qos }));
      if (way === 'unsubscribe') {
        await holders.use(async (session) => {
          await subscribe(session, subscriptions);
          try {
            await session.unsubscribe(filters);
          } catch (error) {
            facts.check('unsuback-received', false);
            throw error;
          }
          facts.check('unsuback-received', true);
        });
        return;
      }
      const session = await MqttSession.open({ ...base, clientId: names.clientId(String(n)), clean: true });
      try {
        if (way === 'before-suback') {
          await session.subscribeAndLeave(subscriptions);
          return;
        }
        await subscribe(session, subscriptions);
        if (way === 'disconnect') await session.disconnect();
      } finally {
        session.vanish();
      }
    };

    return {
      runCycle: factCycle(context.signal, facts, operation),
      teardown: () => holders.close(),
    };
  },
};
