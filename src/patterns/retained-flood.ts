import type { IPublishPacket, QoS } from 'mqtt-packet';
import { MqttSession, type SessionOptions } from '../load/clients/mqtt-session.js';
import { runOperations } from '../load/pacing/run-operations.js';
import { SessionPool } from '../load/clients/session-pool.js';
import {
  ACK_TIMEOUT_PARAM,
  DELIVERY_TIMEOUT_PARAM,
  PROTOCOL_VERSION_PARAM,
  addTallies,
  asTargetFailure,
  cycleOutcome,
  runNames,
  sessionBase,
} from './shared/session-kit.js';
import type { PatternDefinition, PatternContext } from './pattern.js';
import { numberParam } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';

// A retained message is stored per topic until it is cleared with an empty retained PUBLISH; brokers have
// kept the topic node, the message or its payload after the clear. One cycle sets a retained message on
// each of `operationsPerCycle` new topics, checks a subscriber gets them all, clears them all, and checks
// a new subscriber gets none: whatever the cycle stored it also cleared, so memory must come back.

/**
 * After a clear, how long a fresh subscriber listens for retained messages that should be gone: twice
 * as long as the stored ones took to arrive (a broker sends them right behind the SUBACK), at least this.
 */
const MIN_GONE_LISTEN_MS = 200;

interface RetainedCheck {
  /** Topics a retained message of the expected size arrived on. */
  topics: Set<string>;
  elapsedMs: number;
}

/**
 * Subscribes a fresh connection to `filter` and collects the retained messages that arrive: until
 * `expected` did, or `listenMs` passed.
 */
async function collectRetained(
  options: SessionOptions,
  filter: string,
  matches: (packet: IPublishPacket) => boolean,
  expected: number,
  listenMs: number,
  signal: AbortSignal,
): Promise<RetainedCheck> {
  const topics = new Set<string>();
  const startedAt = Date.now();
  let wake: () => void = () => undefined;
  const session = await MqttSession.open({
    ...options,
    onMessage: (packet) => {
      if (!packet.retain || !matches(packet)) return;
      topics.add(packet.topic);
      // Listening for what should be gone (expected 0) lasts the whole window: every leftover counts.
      if (expected > 0 && topics.size >= expected) wake();
    },
  });
  try {
    await session.subscribe([{ topic: filter, qos: 0 }]);
    if (expected === 0 || topics.size < expected) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, listenMs);
        wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    await session.disconnect();
  }
  return { topics, elapsedMs: Date.now() - startedAt };
}

export const retainedFlood: PatternDefinition = {
  name: 'retained-flood',
  summary: 'set a retained message on each of N new topics, check, clear them all, check they are gone',
  operation: 'retained message',
  params: {
    payloadBytes: {
      type: 'integer',
      default: 256,
      minimum: 1,
      maximum: 1_048_576,
      description: 'size of each retained message',
    },
    newTopicsEachCycle: {
      type: 'boolean',
      default: true,
      description:
        'each cycle uses topics never used before (false: the same N topics every cycle, ' +
        'which tells what a clear leaves per message from what a new topic leaves)',
    },
    qos: {
      type: 'integer',
      default: 1,
      minimum: 0,
      maximum: 2,
      description: 'QoS of the PUBLISHes that set and clear (1: each one acknowledged before the check)',
    },
    protocolVersion: PROTOCOL_VERSION_PARAM(4),
    ackTimeoutMs: ACK_TIMEOUT_PARAM,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_PARAM,
  },
  async start(context: PatternContext) {
    const base = sessionBase(context);
    const names = runNames(context, 'retained');
    const payloadBytes = numberParam(context.params, 'payloadBytes');
    const payload = Buffer.alloc(payloadBytes, 0x72);
    const empty = Buffer.alloc(0);
    const qos = numberParam(context.params, 'qos') as QoS;
    const newTopics = context.params.newTopicsEachCycle === true;
    const deliveryTimeoutMs = numberParam(context.params, 'deliveryTimeoutMs');
    const facts = new ProtocolFacts();
    const publishers = new SessionPool((serial) =>
      MqttSession.open({ ...base, clientId: names.clientId(`pub-${serial}`), clean: true }),
    );
    let checks = 0;

    return {
      runCycle: async (request) => {
        const prefix = names.topic(newTopics ? `cycle-${request.index}` : 'every-cycle');
        const topicOf = (i: number): string => `${prefix}/${i}`;
        const ours = (packet: IPublishPacket): boolean => packet.topic.startsWith(`${prefix}/`);
        const set = new Set<string>();
        const setTally = await runOperations(
          request.operations,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          async (i) => {
            await publishers.use((session) => session.publish(topicOf(i), payload, { qos, retain: true }));
            set.add(topicOf(i));
          },
        );
        const checker = (): SessionOptions => ({ ...base, clientId: names.clientId(`check-${checks++}`), clean: true });
        const stored = await asTargetFailure('retained-flood: the subscriber checking the retained messages', () =>
          collectRetained(
            checker(),
            `${prefix}/#`,
            (packet) => ours(packet) && packet.payload.length === payloadBytes,
            set.size,
            deliveryTimeoutMs,
            context.signal,
          ),
        );
        for (const topic of set) facts.check('retained-delivered', stored.topics.has(topic));

        const cleared = new Set<string>();
        const clearTally = await runOperations(
          setTally.attempted,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          async (i) => {
            await publishers.use((session) => session.publish(topicOf(i), empty, { qos, retain: true }));
            cleared.add(topicOf(i));
          },
        );
        const listenMs = Math.min(deliveryTimeoutMs, Math.max(MIN_GONE_LISTEN_MS, 2 * stored.elapsedMs));
        const left = await asTargetFailure('retained-flood: the subscriber checking the cleared messages', () =>
          collectRetained(checker(), `${prefix}/#`, ours, 0, listenMs, context.signal),
        );
        for (const topic of cleared) facts.check('retained-cleared', !left.topics.has(topic));
        facts.observe('retainedCheckMs', stored.elapsedMs);
        return cycleOutcome(setTally.attempted, addTallies([setTally, clearTally]), facts.take());
      },
      teardown: () => publishers.close(),
    };
  },
};
