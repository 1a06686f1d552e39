import type { IPublishPacket, QoS } from 'mqtt-packet';
import { usageError } from '../core/errors.js';
import { MqttSession } from '../load/clients/mqtt-session.js';
import { runOperations } from '../load/pacing/run-operations.js';
import { SessionPool } from '../load/clients/session-pool.js';
import { ADMIN_HOOK_PARAMS, adminHooks } from './shared/admin-hooks.js';
import {
  ACK_TIMEOUT_PARAM,
  Arrivals,
  asTargetFailure,
  DELIVERY_TIMEOUT_PARAM,
  PROTOCOL_VERSION_PARAM,
  cycleOutcome,
  runNames,
  sessionBase,
} from './shared/session-kit.js';
import type { PatternDefinition } from './pattern.js';
import { numberParam, stringParam } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';

// RocketMQ kept statistics per topic and per consumer group and never removed them: every topic ever
// used stayed in memory. One operation publishes to a topic never used before, then leaves it. Brokers
// that administer topics explicitly get the optional create/delete hooks around it.

/** Letters, digits and `/ _ . -` plus the placeholders: topic names that are safe in a URL path and a shell word. */
const TOPIC_TEMPLATE = /^(?:[A-Za-z0-9/_.-]|\{run\}|\{n\})+$/;

/** A topic name from the template: `{run}` the run's token, `{n}` the topic's serial number. */
export function topicFromTemplate(template: string, runToken: string, n: number): string {
  return template.replaceAll('{run}', runToken).replaceAll('{n}', String(n));
}

/** The filter an observer subscribes to: the template's levels before the first placeholder, then `#`. */
export function observerFilter(template: string, runToken: string): string {
  const fixed: string[] = [];
  for (const level of template.split('/')) {
    if (level.includes('{n}')) break;
    fixed.push(level.replaceAll('{run}', runToken));
  }
  return [...fixed, '#'].join('/');
}

export function checkTopicTemplate(template: string): void {
  if (!TOPIC_TEMPLATE.test(template) || !template.includes('{n}')) {
    throw usageError(
      `topicTemplate '${template}': must contain {n} and only letters, digits, / _ . - and the placeholders {run}, {n}`,
      "e.g. --set topicTemplate='mqleak-{run}-{n}' for brokers whose topics are one level",
    );
  }
}

export const topicChurn: PatternDefinition = {
  name: 'topic-churn',
  summary: 'PUBLISH to a topic never used before, then leave it; optional admin hooks create and delete it',
  operation: 'topic',
  params: {
    messagesPerTopic: {
      type: 'integer',
      default: 1,
      minimum: 1,
      maximum: 1000,
      description: 'messages published to each new topic',
    },
    qos: { type: 'integer', default: 1, minimum: 0, maximum: 2, description: 'QoS of the messages' },
    payloadBytes: { type: 'integer', default: 64, minimum: 0, maximum: 1_048_576, description: 'size of each message' },
    topicTemplate: {
      type: 'string',
      default: 'mqleak/{run}/topic/{n}',
      description: 'name of the n-th new topic: {run} is the run token, {n} a serial number',
    },
    observe: {
      type: 'boolean',
      default: true,
      description:
        "an observer subscribes to the topics (the template's fixed levels, then #) and checks every message arrives",
    },
    ...ADMIN_HOOK_PARAMS,
    protocolVersion: PROTOCOL_VERSION_PARAM(4),
    ackTimeoutMs: ACK_TIMEOUT_PARAM,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_PARAM,
  },
  async start(context) {
    const base = sessionBase(context);
    const names = runNames(context, 'topic');
    const template = stringParam(context.params, 'topicTemplate');
    checkTopicTemplate(template);
    const messages = numberParam(context.params, 'messagesPerTopic');
    const qos = numberParam(context.params, 'qos') as QoS;
    const payload = Buffer.alloc(numberParam(context.params, 'payloadBytes'), 0x6d);
    const deliveryTimeoutMs = numberParam(context.params, 'deliveryTimeoutMs');
    const facts = new ProtocolFacts();
    const hooks = adminHooks(context.params, facts);
    const publishers = new SessionPool((serial) =>
      MqttSession.open({ ...base, clientId: names.clientId(`pub-${serial}`), clean: true }),
    );
    // Deliveries expected per topic of the current cycle; a late one for an earlier cycle's topic is ignored.
    const awaited = new Map<string, Arrivals>();
    const onMessage = (packet: IPublishPacket): void => awaited.get(packet.topic)?.add();
    let observer: MqttSession | null = null;
    if (context.params.observe === true) {
      observer = await asTargetFailure('topic-churn: the observer', async () => {
        const session = await MqttSession.open({
          ...base,
          clientId: names.clientId('observer'),
          clean: true,
          onMessage,
        });
        await session.subscribe([{ topic: observerFilter(template, context.runToken), qos }]);
        return session;
      });
    }
    let serial = 0;

    return {
      runCycle: async (request) => {
        const cycleArrivals = new Arrivals();
        let published = 0;
        const tally = await runOperations(
          request.operations,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          async () => {
            const n = serial++;
            const topic = topicFromTemplate(template, context.runToken, n);
            const values = { topic, group: `mqleak-${context.runToken}-group-${n}` };
            await hooks.create(values);
            if (observer !== null) awaited.set(topic, cycleArrivals);
            await publishers.use(async (session) => {
              for (let i = 0; i < messages; i++) {
                await session.publish(topic, payload, { qos });
                published++;
              }
            });
            await hooks.delete(values);
          },
        );
        if (observer !== null) {
          const arrived = await cycleArrivals.waitFor(published, deliveryTimeoutMs, context.signal);
          // QoS 0 may be dropped by the book; QoS 1 and 2 must arrive.
          for (let i = 0; i < published; i++) facts.check(qos === 0 ? 'delivered-qos0' : 'delivered', i < arrived);
          awaited.clear();
        }
        return cycleOutcome(tally.attempted, tally, facts.take());
      },
      teardown: async () => {
        await publishers.close();
        await observer?.disconnect();
      },
    };
  },
};
