import type { CheckTally, ObservationTally } from './recording.js';
import type { BridgeCycleReport } from './report-model.js';

// One cycle of a pattern: what the run asks for and what the pattern answers. Here (not in patterns/) because
// a remote agent (load/remote/) runs a share of a cycle and carries both over its link.

export interface CycleRequest {
  /** 0-based over all cycles, warm-up included. */
  index: number;
  operations: number;
  concurrency: number;
  /** Wall-clock time (Date.now()) after which no new operation may start. */
  deadlineMs: number;
}

export interface CycleOutcome {
  operations: number;
  failures: number;
  failureKinds: Record<string, number>;
  timedOut: boolean;
  /** Protocol checks of this cycle (a will arrived, a takeover closed the first connection ...): see ProtocolFacts. */
  checks?: Record<string, CheckTally>;
  /**
   * What the broker answered, by variant of what was tried: variant → answer (`connack-135`, `closed`, ACCEPTED_ANSWER
   * ...) → count.
   */
  answers?: Record<string, Record<string, number>>;
  /** Measured quantities (`peakClients`, `silentCloseMs`): aggregated over the scenario as count, min, max and mean. */
  observations?: Record<string, ObservationTally>;
  /** bridge-churn: the cycle's bridge reconnects and message counts, kept per cycle in the report. */
  bridge?: BridgeCycleReport;
  /**
   * The variant family this cycle ran (one family per cycle, in rotation), so that its growth is judged at that
   * family's own size.
   */
  variant?: string;
}
