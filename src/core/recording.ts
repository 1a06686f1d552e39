import type { MetricValues } from './metrics.js';
import type { CycleReport, PhaseReport } from './report-model.js';

// What a run records of one scenario, before any verdict: the recorder (run/) writes it, the verdict stage reads it.

/**
 * A protocol fact checked per operation: how many times it should have held, how many times it did.
 * Phrased so that observed === expected is right; expected 0 means the run never exercised it.
 */
export interface CheckTally {
  expected: number;
  observed: number;
}

export interface ObservationTally {
  count: number;
  min: number;
  max: number;
  total: number;
}

/**
 * The answer that says the broker let through what was tried (a CONNECT with a bad password on a broker
 * with anonymous access): that variant was not exercised, which a report must not pass off as clean.
 */
export const ACCEPTED_ANSWER = 'accepted';

/** The protocol facts a pattern reports per cycle and the run sums per scenario. */
export interface ProtocolFactFields {
  checks?: Record<string, CheckTally>;
  answers?: Record<string, Record<string, number>>;
  observations?: Record<string, ObservationTally>;
}

/** Why a scenario stopped cycling: every metric decided, the cap reached, interrupted, or failed. */
export type StopReason = 'decided' | 'cap' | 'aborted' | 'error';

/** How adaptive length went for one scenario (src/analysis/sequential.ts, docs/verdicts-sequential.md). */
export interface SequentialRecord {
  /** The scenario's whole two-sided alpha, over every look and metric. */
  familyAlpha: number;
  /** Two-sided alpha of the last look taken: the one the reported intervals are built at. */
  alpha: number;
  /** Looks taken (1-based count) and planned. */
  look: number;
  looks: number;
  /** Measured cycles run, and the most the scenario would have run (its `cycles`). */
  measuredCycles: number;
  capCycles: number;
  stopReason: StopReason;
  /** ms from the scenario's start to the look that decided it; null when none did. */
  decidedAtMs: number | null;
}

export interface ScenarioRecording {
  startMs: number;
  endMs: number;
  phases: PhaseReport[];
  cycles: CycleReport[];
  baselineFloors: MetricValues;
  recoveryFloors: MetricValues;
  failureKinds: Record<string, number>;
  /** Protocol checks, broker answers and observations the pattern reported, summed over every cycle. */
  facts: Required<ProtocolFactFields>;
  /** The error that ended the scenario early, if any (re-thrown by the caller after the report is built). */
  error: unknown;
  /**
   * mqleak's own floors over the same windows (self-check), when a self sampler ran; per cycle in
   * `cycles[].selfFloors`.
   */
  selfBaselineFloors?: MetricValues;
  selfRecoveryFloors?: MetricValues;
  /** Adaptive length (cycle runs): absent for soaks. */
  sequential?: SequentialRecord;
}

export interface SoakTimeline {
  durationMs: number;
  loadStartMs: number;
  /** End of the warm-up: samples before it are not judged. */
  warmupEndMs: number;
  loadEndMs: number;
  /** The load as it ran: one entry per batch of `operationsPerCycle` operations, back to back. */
  batches: CycleReport[];
  /** A collection was forced before the recovery floor (embedded broker, --gc-cmd). */
  recoveryGcForced: boolean;
  /**
   * Per memory metric, the lowest reading over the whole recovery phase: a post-GC trough when nobody could force one.
   */
  recoveryMinima: MetricValues;
}

export interface SoakRecording extends ScenarioRecording {
  soak: SoakTimeline;
}
