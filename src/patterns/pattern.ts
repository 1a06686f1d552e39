import type { BrokerAddress } from '../net/broker-address.js';
import type { AgentFleet } from '../load/remote/agent-fleet.js';
import type { Credentials } from '../core/credentials.js';
import type { Params, ParamSpecs } from '../core/params.js';
import type { CycleOutcome, CycleRequest } from '../core/cycle.js';

export interface PatternContext {
  broker: BrokerAddress;
  /** Every resolved parameter of the scenario: run shape and the pattern's own. */
  params: Params;
  /** Aborts on Ctrl-C or a target failure: stop starting operations. */
  signal: AbortSignal;
  /** A token unique to this run, for client ids and topics that must not collide with other runs. */
  runToken: string;
  /**
   * `--username` / `--password` (or MQLEAK_USERNAME / MQLEAK_PASSWORD): for brokers that refuse anonymous clients.
   * Never reported.
   */
  credentials?: Credentials;
  /** Tells the user something they must act on before the pattern can go on (where to point a bridge). */
  notice?: (message: string) => void;
  /**
   * The broker's process when mqleak can see it (for a pattern that compares its own CPU with the broker's); null or
   * absent otherwise.
   */
  targetPid?: number | null;
  /** `--source-ip` addresses to connect from (spread in turn); none: automatic (see src/load/source-addresses.ts). */
  sourceIps?: readonly string[];
  /** `--agents N`: the load runs on remote agents (a pattern with `distributed` set); absent: on this machine. */
  agents?: AgentFleet;
}

export type { CycleOutcome, CycleRequest } from '../core/cycle.js';
export { ACCEPTED_ANSWER, type CheckTally, type ObservationTally } from '../core/recording.js';

/** A pattern that is running against a broker: one cycle at a time, then a teardown that lets go of everything. */
export interface PatternRun {
  runCycle(request: CycleRequest): Promise<CycleOutcome>;
  /** Disconnects whatever the pattern still holds, before the recovery phase. */
  teardown(): Promise<void>;
  /**
   * The last operation whose bytes reached the broker, in words (protocol-errors: `the last case sent was ID`), or
   * null: named in the error when the broker dies under the run, so the input that killed it is known.
   */
  lastOperation?(): string | null;
}

/** A failure pattern: how one cycle of operations is done. One file per pattern in src/patterns/. */
export interface PatternDefinition {
  name: string;
  summary: string;
  /** What one operation is, for figures like "bytes per connection". */
  operation: string;
  params: ParamSpecs;
  start(context: PatternContext): Promise<PatternRun>;
  /**
   * Time a cycle takes beyond its operations at the nominal rate (clients held, wills waited for, idle
   * connections left to time out), for duration estimates (`mqleak list`, `--budget`). None: 0.
   */
  extraCycleMs?(params: Params): number;
  /**
   * What the target must be set up with before the pattern can run (a bridge to mqleak's peer broker).
   * Scenarios of such a pattern run only when named, never in the default "every built-in scenario" set.
   */
  needsTargetSetup?: string;
  /**
   * A pattern that mixes variants: each cycle runs one family, in rotation, and names it in
   * `CycleOutcome.variant`, so that each family is judged at its own size and a LEAK can be narrowed.
   */
  variants?: VariantSpace;
  /** The pattern can split its load over remote agents (`mqleak run --agents N`); docs/distributed.md lists which. */
  distributed?: boolean;
  /**
   * The pattern's cycle is a count of independent operations: over `--agents N`, each agent runs this same
   * pattern with its own run token and an equal share of every cycle's operations (docs/distributed.md).
   */
  splitsCycles?: CycleSplit;
}

/** How a pattern's parameters are divided when its cycles are split over agents. */
export interface CycleSplit {
  /**
   * The parameters one agent runs with, given its `share` (0–1] of the operations: pools and limits that are
   * sized for the whole run become that share of it. Absent: the scenario's parameters unchanged.
   */
  shareParams?(params: Params, share: number): Params;
}

/** The variant families of a pattern and their cases: what narrowing walks. */
export interface VariantSpace {
  /** The families a run with these params covers, in rotation order (cycle i runs families[i % length]). */
  families(params: Params): string[];
  /** The cases of one family, for narrowing. */
  cases(params: Params, family: string): VariantCase[];
  /** Params that run only this family, or only this one case of it. */
  restrict(params: Params, family: string, caseId?: string): Params;
}

export interface VariantCase {
  /** Stable id, usable in `--set cases=ID`. */
  id: string;
  /** The case in words: what was sent and which rule it breaks. */
  description: string;
  /** The exact bytes sent, in hex, where the pattern knows them before the run. */
  bytesHex?: string;
  /** The specification rule the case comes from (section number and normative statement id). */
  rule?: string;
}
