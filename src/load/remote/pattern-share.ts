import type { Credentials } from '../../core/credentials.js';
import type { CycleOutcome, CycleRequest } from '../../core/cycle.js';
import type { Params } from '../../core/params.js';
import type { BrokerAddress } from '../../net/broker-address.js';

// A share of a pattern's cycles run on an agent (`mqleak run --agents N` with connect-churn and the other
// patterns whose cycle is a count of independent operations). The coordinator tells each agent which
// pattern, with which parameters and which run token (its own: client ids and topics never collide with
// another agent's); then, every cycle, how many of the cycle's operations are its share. The agent runs
// them with the same pattern code as a local run and answers the pattern's own outcome.

/** What an agent needs to start its share of a scenario's pattern. */
export interface PatternShare {
  /** The pattern's name (src/patterns/catalogue.ts). */
  pattern: string;
  /** The scenario's parameters, already adjusted to this agent's share (the pattern's `splitsCycles`). */
  params: Params;
  broker: BrokerAddress;
  /** The run's token with this agent's index: the prefix of its client ids and topics. */
  runToken: string;
  credentials?: Credentials;
}

/** One cycle's share: as a CycleRequest, with the deadline as time left (the hosts' clocks may differ). */
export interface ShareCycleRequest extends Omit<CycleRequest, 'deadlineMs'> {
  remainingMs: number;
}

/** A pattern running on the agent. */
export interface SharedPatternRun {
  runCycle(request: CycleRequest): Promise<CycleOutcome>;
  teardown(): Promise<void>;
}

/**
 * How an agent starts a pattern: given by `mqleak agent` (the cli knows the pattern catalogue; the load layer
 * does not). Throws when the pattern does not split its cycles.
 */
export type PatternHost = (
  share: PatternShare,
  context: { signal: AbortSignal; sourceIps: readonly string[] },
) => Promise<SharedPatternRun>;
