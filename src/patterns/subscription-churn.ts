import type { ISubscription, QoS } from 'mqtt-packet';
import { MqttSession } from '../load/clients/mqtt-session.js';
import { SessionPool } from '../load/clients/session-pool.js';
import { ACK_TIMEOUT_PARAM, PROTOCOL_VERSION_PARAM, factCycle, runNames, sessionBase } from './shared/session-kit.js';
import type { PatternDefinition, VariantSpace } from './pattern.js';
import { cycleFamily } from './shared/rotation.js';
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

const WAY_OUT_WORDS: Record<SubscriptionWayOut, { words: string; rule: string }> = {
  unsubscribe: {
    words: 'SUBSCRIBE then UNSUBSCRIBE of the same filters on a connection that stays',
    rule: 'MQTT 3.1.1 3.10.4 / MQTT 5.0 3.10.4: the broker must stop and delete the subscription',
  },
  disconnect: {
    words: 'SUBSCRIBE then DISCONNECT without UNSUBSCRIBE (clean session)',
    rule: 'MQTT 3.1.1 3.1.2.4 / MQTT 5.0 3.1.2.4: a clean session ends with the connection, subscriptions with it',
  },
  vanish: {
    words: 'SUBSCRIBE then the socket closed without a word (clean session)',
    rule:
      'MQTT 3.1.1 4.1 / MQTT 5.0 4.1: the session state of a clean session is discarded when the network ' +
      'connection closes',
  },
  'before-suback': {
    words: 'SUBSCRIBE and the socket closed right behind it, before the SUBACK',
    rule:
      'MQTT 3.1.1 3.8.4 / MQTT 5.0 3.8.4: the SUBACK has no client to go to; the subscription dies with the ' +
      'session',
  },
};

/** One family per way out when `wayOut` is mixed; each family is one case. */
export const SUBSCRIPTION_VARIANT_SPACE: VariantSpace = {
  families: (params) => {
    const mode = stringParam(params, 'wayOut');
    return mode === 'mixed' ? [...SUBSCRIPTION_WAYS_OUT] : [mode];
  },
  cases: (_params, family) => {
    const words = WAY_OUT_WORDS[family as SubscriptionWayOut];
    return words === undefined ? [] : [{ id: family, description: words.words, rule: words.rule }];
  },
  restrict: (params, family) => ({ ...params, wayOut: family }),
};

export const subscriptionChurn: PatternDefinition = {
  name: 'subscription-churn',
  summary: 'SUBSCRIBE unique filters and wildcards, then UNSUBSCRIBE, DISCONNECT, vanish, or close before SUBACK',
  operation: 'subscription',
  variants: SUBSCRIPTION_VARIANT_SPACE,
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
    const families = SUBSCRIPTION_VARIANT_SPACE.families(context.params);

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

    const operation = async (index: number, cycleMode: string): Promise<void> => {
      const n = serial++;
      const way = subscriptionWayOut(cycleMode, index);
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
      // One way out per measured cycle, in rotation (its growth credited to it); warm-up mixes them all.
      async runCycle(request) {
        const family = cycleFamily(context.params, families, request.index);
        const outcome = await factCycle(context.signal, facts, (i) => operation(i, family ?? mode))(request);
        return family === undefined ? outcome : { ...outcome, variant: family };
      },
      teardown: () => holders.close(),
    };
  },
};
