import { startCpuWindow } from '../load/pacing/cpu-window.js';
import type { FillResult, HeldClientsOptions, ReleaseResult } from '../load/clients/held-clients.js';
import { diagnoseRate } from '../load/pacing/pacing.js';
import { sumReleases } from '../load/clients/held-clients.js';
import type { ProtocolVersion } from '../load/clients/raw-mqtt-client.js';
import { sumTallies } from '../load/pacing/run-operations.js';
import { planSourceAddresses } from '../load/fleet/source-addresses.js';
import { ownOpenFilesLimit, startShards, type ShardRunner } from '../load/fleet/worker-fleet.js';
import { clientsPerProcess, shareOf, splitClients } from '../load/fleet/worker-split.js';
import { sleep } from '../core/sleep.js';
import type { PatternDefinition } from './pattern.js';
import { numberParam, type Params } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { PROTOCOL_VERSION_SPEC, shareSpec } from './shared/param-specs.js';

// Moquette ≤ 0.13 leaked above ~10,000 clients: buffers not released on publish, session objects kept.
// A cycle fills the broker with N clients held at once (raw sockets: ~2–4 KB each in mqleak, where a full
// client library costs 13–23 KB), publishes through the broker at a set rate while they are held, then
// releases them all. Cycles of fill and drain: what the broker took for N clients must come back.
// A crowd larger than one process's open-files limit allows is spread over worker processes (shards),
// and over source addresses past one address's ephemeral ports: see src/load/worker-split.ts.

/** Checks: no held client was dropped before its release; each subscriber got its SUBACK. */
export const STAYED_CONNECTED = 'held-until-released';
export const SUBSCRIBED = 'suback-received';
/**
 * The answer under which each cycle's fill says whether `connectRate` was held, and if not what held it back
 * (pacing.ts).
 */
export const CONNECT_RATE = 'connectRate';

/** Bound on releasing a shard's clients (DISCONNECT and close of up to tens of thousands of sockets). */
const RELEASE_TIMEOUT_MS = 60_000;

/** Every value, or the first failure once all have settled. */
function settledOrThrow<T>(outcomes: readonly PromiseSettledResult<T>[]): T[] {
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/** Clients one cycle holds at once: `clients`, or the cycle's operations when it is 0. */
function crowdSize(params: Params, operations: number): number {
  const clients = numberParam(params, 'clients');
  return clients > 0 ? clients : operations;
}

export const massConnect: PatternDefinition = {
  name: 'mass-connect',
  summary: 'fill the broker with N clients held at once, publishing through it at a set rate, then release them all',
  operation: 'client',
  params: {
    holdSeconds: {
      type: 'number',
      default: 5,
      minimum: 0,
      maximum: 3600,
      description: 'time every client of the cycle is held connected, once all are in',
    },
    publishRate: {
      type: 'number',
      default: 1000,
      minimum: 0,
      maximum: 100_000,
      description: 'messages per second published by the held clients (in turn) while the cycle fills and holds',
    },
    publishQos: {
      type: 'integer',
      default: 0,
      minimum: 0,
      maximum: 1,
      description: 'QoS of the publishes and of the subscriptions',
    },
    payloadBytes: {
      type: 'integer',
      default: 256,
      minimum: 0,
      maximum: 1_048_576,
      description: 'size of each published payload',
    },
    subscribers: {
      type: 'integer',
      default: 10,
      minimum: 0,
      maximum: 10_000,
      description: 'held clients that also subscribe to every publish (the broker fans each message out to them)',
    },
    abruptShare: shareSpec('share of clients released without DISCONNECT'),
    protocolVersion: PROTOCOL_VERSION_SPEC,
    keepalive: {
      type: 'integer',
      default: 120,
      minimum: 0,
      maximum: 65535,
      description: 'keepalive seconds (held clients send no PINGREQ: keep it above the fill and hold time)',
    },
    connectTimeoutMs: {
      type: 'integer',
      default: 10000,
      minimum: 100,
      maximum: 60000,
      description: 'give up on one connection (to CONNACK) after this long',
    },
    connectRate: {
      type: 'number',
      default: 0,
      minimum: 0,
      maximum: 1_000_000,
      description:
        'connects per second while filling, over every load process (paced); 0: as fast as concurrency allows',
    },
    clients: {
      type: 'integer',
      default: 0,
      minimum: 0,
      maximum: 1_000_000,
      description: 'clients held at once per cycle; 0: operationsPerCycle',
    },
    clientsPerProcess: {
      type: 'integer',
      default: 0,
      minimum: 0,
      maximum: 1_000_000,
      description:
        'most clients one process holds; more are spread over worker processes. 0: three ' +
        'quarters of the open-files limit (ulimit -n)',
    },
  },
  distributed: true,
  extraCycleMs(params: Params) {
    return numberParam(params, 'holdSeconds') * 1000;
  },
  async start(context) {
    const { host, port, transport } = context.broker;
    const params = context.params;
    const holdMs = numberParam(params, 'holdSeconds') * 1000;
    const rate = numberParam(params, 'publishRate');
    const subscribers = numberParam(params, 'subscribers');
    const connectRate = numberParam(params, 'connectRate');
    const largest = crowdSize(params, numberParam(params, 'operationsPerCycle'));
    const perProcessParam = numberParam(params, 'clientsPerProcess');
    const perProcess = perProcessParam > 0 ? perProcessParam : clientsPerProcess(ownOpenFilesLimit());
    const plan = splitClients(largest, perProcess);
    const sources = planSourceAddresses(host, largest, context.sourceIps ?? []);
    const options: HeldClientsOptions = {
      host,
      port,
      transport,
      clientIdPrefix: `mqleak-${context.runToken}-mass`,
      topicRoot: `mqleak/${context.runToken}/mass`,
      protocolVersion: numberParam(params, 'protocolVersion') as ProtocolVersion,
      keepalive: numberParam(params, 'keepalive'),
      connectTimeoutMs: numberParam(params, 'connectTimeoutMs'),
      subscribers,
      qos: numberParam(params, 'publishQos') as 0 | 1,
      payloadBytes: numberParam(params, 'payloadBytes'),
      abruptShare: numberParam(params, 'abruptShare'),
      sourceAddresses: sources.addresses,
      sourcesPerCycle: sources.perCycle,
      ...(context.credentials === undefined ? {} : { credentials: context.credentials }),
    };
    // Over agents: each gets an equal share and picks its own source addresses (its own host's).
    const shards: ShardRunner[] =
      context.agents === undefined
        ? await startShards(Math.max(1, plan.length), options, true)
        : await context.agents.start({ ...options, sourceAddresses: [], sourcesPerCycle: 0 }, largest, perProcessParam);
    const remote = context.agents !== undefined;
    const facts = new ProtocolFacts();

    // Settled, not raced: when one shard (an agent) is lost the others still finish and let go of their clients.
    const releaseAll = async (): Promise<ReleaseResult> =>
      sumReleases(settledOrThrow(await Promise.allSettled(shards.map((shard) => shard.release(RELEASE_TIMEOUT_MS)))));

    return {
      async runCycle(request) {
        const total = crowdSize(params, request.operations);
        // The cycle's crowd split as evenly as the first plan (a budget-shortened cycle may hold fewer).
        const split = splitClients(total, Math.ceil(total / shards.length));
        await Promise.all(
          shards.map((shard, i) => shard.begin(split[i] === undefined ? 0 : shareOf(rate, split[i], total))),
        );
        let fills: FillResult[];
        let released: ReleaseResult | null = null;
        try {
          const endCpuWindow =
            connectRate > 0 && !remote
              ? await startCpuWindow(
                  shards.map((shard) => shard.pid),
                  context.targetPid ?? null,
                )
              : null;
          // Connects in flight are shared out too: together they stay within `concurrency` (the broker's backlog).
          fills = settledOrThrow(
            await Promise.allSettled(
              split.map((shard, i) =>
                (shards[i] as ShardRunner).fill(
                  {
                    offset: shard.offset,
                    count: shard.count,
                    concurrency: Math.max(1, Math.round(shareOf(request.concurrency, shard, total))),
                    rate: shareOf(connectRate, shard, total),
                    deadlineMs: request.deadlineMs,
                  },
                  context.signal,
                ),
              ),
            ),
          );
          facts.observe(
            'peakClients',
            fills.reduce((sum, fill) => sum + fill.held, 0),
          );
          facts.observe('loadProcesses', shards.length);
          const fillSeconds = Math.max(...fills.map((fill) => fill.fillMs)) / 1000;
          const connected = fills.reduce((sum, fill) => sum + fill.tally.attempted - fill.tally.failures, 0);
          if (fillSeconds > 0) facts.observe('connectsPerSecond', Math.round(connected / fillSeconds));
          if (endCpuWindow !== null && fillSeconds > 0) {
            // The asked rate held or not, and why: mqleak's processes and the broker's CPU over the fill.
            const { generatorCpu, brokerCpu } = await endCpuWindow();
            facts.answer(
              CONNECT_RATE,
              diagnoseRate({ asked: connectRate, achieved: connected / fillSeconds, generatorCpu, brokerCpu }).bound,
            );
            facts.observe('connectRateAsked', connectRate);
            if (generatorCpu.length > 0) facts.observe('generatorCpuPct', Math.round(Math.max(...generatorCpu) * 100));
            if (brokerCpu !== null) facts.observe('brokerCpuPct', Math.round(brokerCpu * 100));
          }
          await sleep(holdMs, context.signal);
        } finally {
          released = await releaseAll();
        }
        facts.observe('publishedPerCycle', released.published);
        if (subscribers > 0) facts.observe('deliveredPerCycle', released.delivered);
        for (let i = 0; i < released.subscribesSent; i++) facts.check(SUBSCRIBED, i < released.subacks);
        for (let i = 0; i < released.connected; i++) facts.check(STAYED_CONNECTED, i >= released.dropped);
        const tally = sumTallies(fills.map((fill) => fill.tally));
        return { operations: tally.attempted, ...tally, ...facts.take() };
      },
      async teardown() {
        await Promise.all(shards.map((shard) => shard.stop()));
      },
    };
  },
};
