import type { DataIssue, MetricKind, ReasonCode, Verdict } from '../analysis/types.js';
import type { ErrorKind } from '../errors.js';
import type { Params } from '../patterns/pattern.js';
import type { MetricValues } from '../sample/metrics.js';
import type { TargetKind } from '../target/target.js';

// The one result model. Every renderer (table, JSON, ...) reads this and nothing else.
// The JSON report is this object as it is: DESIGN.md's interface contract, versioned by SCHEMA_VERSION.

/** Bump on any change that breaks a reader of the JSON report; adding fields does not. */
export const SCHEMA_VERSION = 1;

export type RunVerdict = Verdict | 'error';

export interface MetricReport {
  name: string;
  kind: MetricKind;
  unit: string;
  verdict: Verdict;
  reasonCode: ReasonCode;
  reason: string;
  /** Slope in bytes per operation (memory metrics); null for counts and when it could not be computed. */
  bytesPerOp: number | null;
  /** Sen's interval of the slope, [low, high], in the metric's unit per operation. */
  ci: [number, number] | null;
  /** MB (2^20 bytes) per hour at the operation rate this run achieved; null for counts. */
  mbPerHour: number | null;
  /** Slope in the metric's unit per operation, for every kind (fds per op for `fds`). */
  perOp: number | null;
  perHour: number | null;
  minDetectablePerOp: number | null;
  thresholdPerOp: number;
  cyclesUsed: number;
  cyclesDropped: number;
  cyclesNeeded: number | null;
  baselineFloor: number | null;
  recoveryFloor: number | null;
  persistence: { firstHalfPerOp: number | null; secondHalfPerOp: number | null; persists: boolean } | null;
  recovery: { postWarmupFloor: number; lastFloor: number; recoveryFloor: number | null; retainedShare: number | null; returned: boolean } | null;
  step: { atCycle: number; size: number } | null;
}

export interface CycleReport {
  index: number;
  warmup: boolean;
  /** ms since the run started. */
  startMs: number;
  loadEndMs: number;
  endMs: number;
  operations: number;
  cumulativeOps: number;
  failures: number;
  failureKinds: Record<string, number>;
  gcForced: boolean;
  /** The cycle's floor per metric: a robust low value over the end of its settle window. */
  floors: MetricValues;
}

export type PhaseName = 'baseline' | 'warmup' | 'measured' | 'recovery';

export interface PhaseReport {
  name: PhaseName;
  startMs: number;
  endMs: number;
}

/** One sample of the target, flat for easy plotting: `t` in ms since the run started. */
export type SampleReport = { t: number; lateMs: number } & MetricValues;

export interface ScenarioReport {
  name: string;
  description: string;
  source: string;
  pattern: string;
  /** What one operation is ("connection"): bytesPerOp is bytes per this. */
  operation: string;
  verdict: RunVerdict;
  /** Every parameter as run, so the run can be repeated exactly. */
  parameters: Params;
  thresholds: Record<string, number>;
  quick: boolean;
  /** Operations done, warm-up included. */
  operations: number;
  measuredOperations: number;
  failures: number;
  failureKinds: Record<string, number>;
  /** Operations per second during the measured cycles' load: the rate behind the per-hour figures. */
  opsPerSecond: number | null;
  startMs: number;
  endMs: number;
  phases: PhaseReport[];
  cycles: CycleReport[];
  metrics: MetricReport[];
  issues: DataIssue[];
  /** Set when the scenario could not finish. */
  error: string | null;
  samples: SampleReport[];
}

export interface TargetReport {
  kind: TargetKind;
  url: string;
  pid: number;
  description: string;
  command: string | null;
  gcForced: boolean;
  /** The last lines a broker mqleak started printed. */
  outputTail: string[];
}

export interface RunReport {
  schemaVersion: number;
  tool: { name: 'mqleak'; version: string; node: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  verdict: RunVerdict;
  exitCode: number;
  interrupted: boolean;
  error: { kind: ErrorKind; message: string; hint: string | null } | null;
  target: TargetReport | null;
  settings: { quick: boolean; sampleIntervalMs: number; familyAlpha: number; command: string[] };
  scenarios: ScenarioReport[];
}
