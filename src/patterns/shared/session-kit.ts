import { errorMessage, targetError } from '../../core/errors.js';
import { MqttSession, type SessionOptions } from '../../load/clients/mqtt-session.js';
import { MQTT5_VARIANT, isProtocolLevelRefusal } from '../../load/wire/raw-helpers.js';
import type { ProtocolVersion } from '../../load/clients/raw-mqtt-client.js';
import { runOperations, type OperationFailure, type OperationTally } from '../../load/pacing/run-operations.js';
import { NOMINAL_OPS_PER_SECOND } from '../../core/nominal-rate.js';
import type { CycleOutcome, CycleRequest, PatternContext } from '../pattern.js';
import { numberParam, type ParamSpec, type Params } from '../../core/params.js';
import type { ProtocolFactFields, ProtocolFacts } from './protocol-facts.js';

// What the subscription- and message-level patterns share: the knobs of their MQTT sessions, the
// session options built from them, names unique to a run, and how a cycle's tallies add up.

export const PROTOCOL_VERSION_PARAM = (fallback: ProtocolVersion): ParamSpec => ({
  type: 'integer',
  default: fallback,
  minimum: 4,
  maximum: 5,
  description: 'MQTT protocol level: 4 (3.1.1) or 5',
});

export const ACK_TIMEOUT_PARAM: ParamSpec = {
  type: 'integer',
  default: 5000,
  minimum: 100,
  maximum: 60000,
  description: 'bound on every answer awaited from the broker (CONNACK, SUBACK, PUBACK ...), ms',
};

export const DELIVERY_TIMEOUT_PARAM: ParamSpec = {
  type: 'integer',
  default: 2000,
  minimum: 10,
  maximum: 60000,
  description:
    'bound on waiting for messages that should be delivered (ms); a message not there by then counts as not delivered',
};

/** What every connection of a pattern shares: the broker, the protocol level, the credentials, the timeout. */
export type SessionBase = Omit<SessionOptions, 'clientId' | 'clean'>;

export function sessionBase(context: PatternContext): SessionBase {
  const base: SessionBase = {
    host: context.broker.host,
    port: context.broker.port,
    transport: context.broker.transport,
    protocolVersion: numberParam(context.params, 'protocolVersion') as ProtocolVersion,
    timeoutMs: numberParam(context.params, 'ackTimeoutMs'),
  };
  if (context.credentials !== undefined) base.credentials = context.credentials;
  return base;
}

/** Client ids and topics unique to this run and pattern, so parallel runs and leftovers never collide. */
export function runNames(
  context: PatternContext,
  family: string,
): { clientId: (label: string) => string; topic: (label: string) => string } {
  return {
    clientId: (label) => `mqleak-${context.runToken}-${family}-${label}`,
    topic: (label) => `mqleak/${context.runToken}/${family}/${label}`,
  };
}

/** Adds the tallies of several batches of one cycle (a set phase and a clear phase ...). */
export function addTallies(tallies: readonly OperationTally[]): OperationTally {
  const sum: OperationTally = { attempted: 0, failures: 0, failureKinds: {}, timedOut: false };
  for (const tally of tallies) {
    sum.attempted += tally.attempted;
    sum.failures += tally.failures;
    sum.timedOut ||= tally.timedOut;
    for (const [kind, count] of Object.entries(tally.failureKinds))
      sum.failureKinds[kind] = (sum.failureKinds[kind] ?? 0) + count;
  }
  return sum;
}

/** A cycle's outcome: `operations` as the pattern counts them, the tallies' failures, the facts seen. */
export function cycleOutcome(operations: number, tally: OperationTally, facts: ProtocolFactFields): CycleOutcome {
  return { operations, failures: tally.failures, failureKinds: tally.failureKinds, timedOut: tally.timedOut, ...facts };
}

/**
 * The cycle of a pattern whose operations are independent: run the cycle's operations (bounded by its
 * concurrency, deadline and the run's signal), then hand over the protocol facts they collected.
 */
export function factCycle(
  signal: AbortSignal,
  facts: ProtocolFacts,
  operation: (index: number) => Promise<void>,
): (request: CycleRequest) => Promise<CycleOutcome> {
  return async (request) => {
    const tally = await runOperations(request.operations, request.concurrency, request.deadlineMs, signal, operation);
    return cycleOutcome(tally.attempted, tally, facts.take());
  };
}

/** Counts arrivals (messages delivered ...) and lets one wait, bounded, until there are enough. */
export class Arrivals {
  private count = 0;
  private waiter: { target: number; wake: () => void } | null = null;

  get value(): number {
    return this.count;
  }

  add(): void {
    this.count++;
    if (this.waiter !== null && this.count >= this.waiter.target) this.waiter.wake();
  }

  /**
   * Resolves with the count once it reaches `target`, or when `timeoutMs` passed (bounded: no abort
   * listener, so many waits in flight do not pile listeners on the run's signal).
   */
  waitFor(target: number, timeoutMs: number, signal: AbortSignal): Promise<number> {
    if (this.count >= target || signal.aborted) return Promise.resolve(this.count);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiter = null;
        resolve(this.count);
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiter = { target, wake };
    });
  }
}

/** A broker failure outside any one operation (an observer or checker could not connect): exit 3, not an mqleak bug. */
export async function asTargetFailure<T>(what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw targetError(
      `${what}: ${errorMessage(error)}`,
      'check the broker accepts connections and subscriptions from this client (limits, ' +
        'authentication: --username/--password)',
    );
  }
}

/**
 * For patterns that want MQTT 5 (shared subscriptions, session expiry): when the broker refuses the
 * protocol level (Aedes speaks 3.1.1 only), the run goes on over 3.1.1 and the answers say so
 * (`mqtt5-connect: refused: connack-1`), as will-churn does. Other refusals are the broker failing.
 */
export async function fallBackFromMqtt5(
  base: SessionBase,
  clientId: string,
  facts: ProtocolFacts,
): Promise<SessionBase> {
  if (base.protocolVersion !== 5) return base;
  try {
    const probe = await MqttSession.open({ ...base, clientId, clean: true });
    await probe.disconnect();
    return base;
  } catch (error) {
    if (!isProtocolLevelRefusal(error)) {
      throw targetError(
        `the broker refused an MQTT 5 connection: ${errorMessage(error)}`,
        'check the broker accepts connections from this client (limits, authentication: --username/--password)',
      );
    }
    facts.answer(MQTT5_VARIANT, `refused: ${(error as OperationFailure).kind}`);
    return { ...base, protocolVersion: 4 };
  }
}

/**
 * Time a cycle's operations take beyond what the duration estimate assumes (src/run/estimate.ts counts
 * every operation at NOMINAL_OPS_PER_SECOND): for patterns whose operation is heavier (a group of
 * connections, a session that goes offline and comes back), at the rate measured on Mosquitto.
 */
export function slowOperationsMs(params: Params, opsPerSecond: number): number {
  const operations = typeof params.operationsPerCycle === 'number' ? params.operationsPerCycle : 0;
  return Math.max(0, operations * (1000 / opsPerSecond - 1000 / NOMINAL_OPS_PER_SECOND));
}
