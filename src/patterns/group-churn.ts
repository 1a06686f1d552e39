import type { QoS } from 'mqtt-packet';
import { MqttSession } from '../load/clients/mqtt-session.js';
import { SessionPool } from '../load/clients/session-pool.js';
import { ADMIN_HOOK_PARAMS, adminHooks } from './shared/admin-hooks.js';
import {
  ACK_TIMEOUT_PARAM,
  Arrivals,
  asTargetFailure,
  DELIVERY_TIMEOUT_PARAM,
  PROTOCOL_VERSION_PARAM,
  fallBackFromMqtt5,
  runNames,
  sessionBase,
  slowOperationsMs,
  type SessionBase,
} from './shared/session-kit.js';
import type { PatternDefinition } from './pattern.js';
import { numberParam, stringParam } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { subackAnswer } from './subscription-churn.js';
import { modeVariantSpace, rotatingFactCycle } from './shared/rotation.js';

// RocketMQ's per-consumer-group statistics outlived their groups. In MQTT the consumer group is a shared
// subscription (`$share/{group}/{topic}`, MQTT 5; Mosquitto also takes it from 3.1.1 clients, so a broker
// that refuses MQTT 5 gets it over 3.1.1, and the answers say so). One operation creates a group of
// members, sends messages through it (each must reach exactly one member), then dissolves it: every
// member unsubscribes, or every member vanishes.

const DISSOLVE_MODES = ['unsubscribe', 'vanish', 'mixed'] as const;
const DELIVERED_TO_ONE_MEMBER = 'delivered-to-one-member';

/** One family per way a group dissolves when `dissolve` is mixed. */
export const GROUP_VARIANT_SPACE = modeVariantSpace('dissolve', ['unsubscribe', 'vanish'], {
  unsubscribe: {
    words: 'a shared-subscription group whose members each UNSUBSCRIBE, then DISCONNECT',
    rule: 'MQTT 5.0 4.8.2, 3.10.4: the member leaves the group; an empty group holds nothing',
  },
  vanish: {
    words: 'a shared-subscription group whose members all vanish (sockets closed, nothing said)',
    rule: 'MQTT 5.0 4.8.2, 4.1: a clean session ends with its connection, its shared subscriptions with it',
  },
});

/** How the group of operation `index` dissolves. */
export function groupDissolve(mode: string, index: number): 'unsubscribe' | 'vanish' {
  if (mode === 'mixed') return index % 2 === 0 ? 'unsubscribe' : 'vanish';
  return mode === 'vanish' ? 'vanish' : 'unsubscribe';
}

/** Per message: delivered `once`, `duplicated` (to more than one member, or twice), or `lost`. */
export function deliveryAnswer(count: number): 'once' | 'duplicated' | 'lost' {
  if (count === 1) return 'once';
  return count > 1 ? 'duplicated' : 'lost';
}

/**
 * Groups formed, used and dissolved per second on Mosquitto 2.0.11 (2 members, 4 messages, 20 in flight): for duration
 * estimates.
 */
const GROUPS_PER_SECOND = 260;

/** One message through a one-member group: false when nothing arrives within the bound (no shared subscriptions). */
async function probeSharedSubscriptions(
  base: SessionBase,
  names: ReturnType<typeof runNames>,
  group: string,
  timeoutMs: number,
): Promise<boolean> {
  const topic = names.topic('probe');
  const arrivals = new Arrivals();
  const member = await MqttSession.open({
    ...base,
    clientId: names.clientId('probe-member'),
    clean: true,
    onMessage: () => arrivals.add(),
  });
  try {
    await member.subscribe([{ topic: `$share/${group}/${topic}`, qos: 1 }]);
    const publisher = await MqttSession.open({ ...base, clientId: names.clientId('probe-publisher'), clean: true });
    try {
      await publisher.publish(topic, 'probe', { qos: 1 });
    } finally {
      await publisher.disconnect();
    }
    return (await arrivals.waitFor(1, timeoutMs, new AbortController().signal)) > 0;
  } finally {
    await member.disconnect();
  }
}

export const groupChurn: PatternDefinition = {
  name: 'group-churn',
  summary: 'MQTT 5 shared subscriptions ($share/{group}/…): a group formed, messages through it, then dissolved',
  operation: 'group',
  variants: GROUP_VARIANT_SPACE,
  params: {
    membersPerGroup: {
      type: 'integer',
      default: 2,
      minimum: 1,
      maximum: 50,
      description: 'connections that join each group',
    },
    messagesPerGroup: {
      type: 'integer',
      default: 4,
      minimum: 1,
      maximum: 1000,
      description: 'messages published through each group',
    },
    dissolve: {
      type: 'string',
      default: 'mixed',
      enum: DISSOLVE_MODES,
      description:
        'how a group ends: its members unsubscribe (then DISCONNECT), vanish (no ' +
        'UNSUBSCRIBE, no DISCONNECT), or mixed (alternating)',
    },
    qos: { type: 'integer', default: 1, minimum: 0, maximum: 2, description: 'QoS of the subscriptions and messages' },
    payloadBytes: {
      type: 'integer',
      default: 64,
      minimum: 16,
      maximum: 1_048_576,
      description: 'size of each message',
    },
    ...ADMIN_HOOK_PARAMS,
    protocolVersion: PROTOCOL_VERSION_PARAM(5),
    ackTimeoutMs: ACK_TIMEOUT_PARAM,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_PARAM,
  },
  extraCycleMs: (params) => slowOperationsMs(params, GROUPS_PER_SECOND),
  async start(context) {
    const names = runNames(context, 'group');
    const facts = new ProtocolFacts();
    const base = await fallBackFromMqtt5(sessionBase(context), names.clientId('mqtt5-probe'), facts);
    const memberCount = numberParam(context.params, 'membersPerGroup');
    const messageCount = numberParam(context.params, 'messagesPerGroup');
    const mode = stringParam(context.params, 'dissolve');
    const qos = numberParam(context.params, 'qos') as QoS;
    const payloadBytes = numberParam(context.params, 'payloadBytes');
    const deliveryTimeoutMs = numberParam(context.params, 'deliveryTimeoutMs');
    const hooks = adminHooks(context.params, facts);
    const publishers = new SessionPool((serial) =>
      MqttSession.open({ ...base, clientId: names.clientId(`pub-${serial}`), clean: true }),
    );
    let serial = 0;
    // A broker without shared subscriptions takes `$share/…` as a plain filter and delivers nothing through
    // it (Aedes): then the groups still form and dissolve, but the delivery check is not exercised, and no
    // operation waits for messages that cannot come.
    const delivers = await asTargetFailure('group-churn: the shared-subscription probe', () =>
      probeSharedSubscriptions(base, names, `mqleak-${context.runToken}-probe`, deliveryTimeoutMs),
    );
    if (!delivers) facts.answer('shared subscriptions', 'nothing delivered through $share (probe)');

    const operation = async (index: number, cycleMode: string): Promise<void> => {
      const n = serial++;
      const group = `mqleak-${context.runToken}-${n}`;
      const topic = names.topic(String(n));
      const filter = `$share/${group}/${topic}`;
      const values = { topic, group };
      await hooks.create(values);
      // Deliveries per message, keyed by the message's number (the payload starts with it).
      const counts = new Map<string, number>();
      const arrivals = new Arrivals();
      const members: MqttSession[] = [];
      try {
        for (let m = 0; m < memberCount; m++) {
          const member = await MqttSession.open({
            ...base,
            clientId: names.clientId(`${n}-${m}`),
            clean: true,
            onMessage: (packet) => {
              if (packet.topic !== topic) return;
              const key = packet.payload.toString().split(' ')[0] as string;
              counts.set(key, (counts.get(key) ?? 0) + 1);
              arrivals.add();
            },
          });
          members.push(member);
          let granted: number[];
          try {
            granted = await member.subscribe([{ topic: filter, qos }]);
          } catch (error) {
            facts.check('suback-received', false);
            throw error;
          }
          facts.check('suback-received', true);
          for (const code of granted) facts.answer('SUBSCRIBE $share', subackAnswer(code));
        }
        // An MQTT 5 broker may say it has no shared subscriptions: then the deliveries are not a check of anything.
        const saysUnavailable = members[0]?.connack.properties?.sharedSubscriptionAvailable === false;
        if (saysUnavailable) facts.answer('shared subscriptions', 'not available (CONNACK)');
        const unavailable = saysUnavailable || !delivers;
        await publishers.use(async (publisher) => {
          for (let i = 0; i < messageCount; i++)
            await publisher.publish(topic, `${i} `.padEnd(payloadBytes, 'g'), { qos });
        });
        if (!unavailable) await arrivals.waitFor(messageCount, deliveryTimeoutMs, context.signal);
        if (groupDissolve(cycleMode, index) === 'unsubscribe') {
          // A member's UNSUBACK comes after every delivery the broker had queued for it: duplicates are in by then.
          for (const member of members) {
            try {
              await member.unsubscribe([filter]);
              facts.check('unsuback-received', true);
            } catch (error) {
              facts.check('unsuback-received', false);
              throw error;
            }
            await member.disconnect();
          }
        }
        if (unavailable) facts.declare(DELIVERED_TO_ONE_MEMBER);
        else {
          for (let i = 0; i < messageCount; i++) {
            const count = counts.get(String(i)) ?? 0;
            facts.check(DELIVERED_TO_ONE_MEMBER, count === 1);
            facts.answer('message through the group', deliveryAnswer(count));
          }
        }
      } finally {
        for (const member of members) member.vanish();
      }
      await hooks.delete(values);
    };

    return {
      // One way of dissolving per measured cycle, in rotation (its growth credited to it); warm-up mixes them.
      runCycle: rotatingFactCycle(
        context.signal,
        facts,
        context.params,
        GROUP_VARIANT_SPACE.families(context.params),
        mode,
        operation,
      ),
      teardown: () => publishers.close(),
    };
  },
};
