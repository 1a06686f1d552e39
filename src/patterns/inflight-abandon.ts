import { MqttSession } from '../load/clients/mqtt-session.js';
import { SessionPool } from '../load/clients/session-pool.js';
import {
  ACK_TIMEOUT_PARAM,
  Arrivals,
  DELIVERY_TIMEOUT_PARAM,
  PROTOCOL_VERSION_PARAM,
  factCycle,
  runNames,
  sessionBase,
  slowOperationsMs,
} from './shared/session-kit.js';
import type { PatternDefinition } from './pattern.js';
import { numberParam, stringParam } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { subackAnswer } from './subscription-churn.js';

// A QoS 1 or 2 flow holds state on the broker until its last packet: a QoS 2 PUBLISH is stored until the
// PUBREL, a QoS 1 delivery until the subscriber's PUBACK. A client that vanishes mid-flow must take that
// state with it (its session is clean); brokers have kept it. One operation is one client that leaves
// messages in flight, then vanishes: a publisher that never sends PUBREL, or a subscriber that never
// acknowledges what it was sent.

const ABANDON_MODES = ['qos2-publish', 'qos1-delivery', 'mixed'] as const;

/** What the client of operation `index` leaves in flight. */
export function abandonMode(mode: string, index: number): 'qos2-publish' | 'qos1-delivery' {
  if (mode === 'mixed') return index % 2 === 0 ? 'qos2-publish' : 'qos1-delivery';
  return mode === 'qos1-delivery' ? 'qos1-delivery' : 'qos2-publish';
}

/** Clients per second on Mosquitto 2.0.11 (4 messages each, 20 in flight): for duration estimates. */
const CLIENTS_PER_SECOND = 600;

export const inflightAbandon: PatternDefinition = {
  name: 'inflight-abandon',
  summary: 'QoS 2 PUBLISH left without PUBREL, QoS 1 deliveries never acknowledged; then the client vanishes',
  operation: 'client',
  params: {
    abandon: {
      type: 'string',
      default: 'mixed',
      enum: ABANDON_MODES,
      description:
        'qos2-publish (PUBLISH QoS 2, PUBREC, no PUBREL), qos1-delivery (QoS 1 deliveries ' +
        'never PUBACKed), or mixed (alternating)',
    },
    messagesPerClient: {
      type: 'integer',
      default: 4,
      minimum: 1,
      maximum: 100,
      description: 'messages each client leaves in flight',
    },
    payloadBytes: { type: 'integer', default: 64, minimum: 0, maximum: 1_048_576, description: 'size of each message' },
    protocolVersion: PROTOCOL_VERSION_PARAM(4),
    ackTimeoutMs: ACK_TIMEOUT_PARAM,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_PARAM,
  },
  extraCycleMs: (params) => slowOperationsMs(params, CLIENTS_PER_SECOND),
  async start(context) {
    const base = sessionBase(context);
    const names = runNames(context, 'inflight');
    const mode = stringParam(context.params, 'abandon');
    const messages = numberParam(context.params, 'messagesPerClient');
    const payload = Buffer.alloc(numberParam(context.params, 'payloadBytes'), 0x69);
    const deliveryTimeoutMs = numberParam(context.params, 'deliveryTimeoutMs');
    const facts = new ProtocolFacts();
    const publishers = new SessionPool((serial) =>
      MqttSession.open({ ...base, clientId: names.clientId(`pub-${serial}`), clean: true }),
    );
    let serial = 0;

    const abandonPublishes = async (session: MqttSession, topic: string): Promise<void> => {
      const flows = Array.from({ length: messages }, () => session.publish(topic, payload, { qos: 2, release: false }));
      const results = await Promise.allSettled(flows);
      for (const result of results) facts.check('pubrec-received', result.status === 'fulfilled');
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    };

    const abandonDeliveries = async (session: MqttSession, topic: string, arrivals: Arrivals): Promise<void> => {
      let granted: number[];
      try {
        granted = await session.subscribe([{ topic, qos: 1 }]);
      } catch (error) {
        facts.check('suback-received', false);
        throw error;
      }
      facts.check('suback-received', true);
      for (const code of granted) facts.answer('SUBSCRIBE', subackAnswer(code));
      await publishers.use(async (publisher) => {
        for (let i = 0; i < messages; i++) await publisher.publish(topic, payload, { qos: 1 });
      });
      const arrived = await arrivals.waitFor(messages, deliveryTimeoutMs, context.signal);
      for (let i = 0; i < messages; i++) facts.check('delivered-unacknowledged', i < arrived);
    };

    const operation = async (index: number): Promise<void> => {
      const n = serial++;
      const topic = names.topic(String(n));
      const what = abandonMode(mode, index);
      const arrivals = new Arrivals();
      const session = await MqttSession.open({
        ...base,
        clientId: names.clientId(String(n)),
        clean: true,
        ackDeliveries: false,
        onMessage: (packet) => {
          if (packet.topic === topic) arrivals.add();
        },
      });
      try {
        if (what === 'qos2-publish') await abandonPublishes(session, topic);
        else await abandonDeliveries(session, topic, arrivals);
      } finally {
        session.vanish();
      }
    };

    return {
      runCycle: factCycle(context.signal, facts, operation),
      teardown: () => publishers.close(),
    };
  },
};
