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
  /**
   * The fitted line's value at 0 operations: floor ≈ intercept + perOp × cumulativeOps over the judged
   * cycles (the last `cyclesUsed` measured cycles with a floor). Null when there is no slope; absent in
   * reports of older versions (readers recompute it from the cycles).
   */
  intercept?: number | null;
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

/** Which figure of a metric a threshold limits: the point estimates the table shows. */
export type ThresholdStat = 'bytesPerOp' | 'mbPerHour' | 'perOp' | 'perHour';

/** One k6-style threshold (`--threshold`, a scenario file's `limits:`) checked against one scenario's metric. */
export interface ThresholdResult {
  /** As checked, with its scenario: `connect-churn:rss<=64B/op`. */
  expression: string;
  source: 'command-line' | 'scenario-file' | 'report-command';
  scenario: string;
  metric: string;
  stat: ThresholdStat;
  operator: '<=' | '<';
  /** The limit in the stat's unit: bytes per op, MB per hour, the metric's unit per op or per hour. */
  limit: number;
  /** The measured figure in the same unit; null when the run has none (the metric was not judged, no slope). */
  value: number | null;
  /** `no-data` does not break the run: the verdict already says why the figure is missing. */
  status: 'pass' | 'fail' | 'no-data';
  /** One line in plain words. */
  message: string;
}

/** The machine the run was made on: what a rerun should match for figures to compare. */
export interface EnvironmentReport {
  platform: string;
  release: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
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
  settings: {
    quick: boolean;
    sampleIntervalMs: number;
    familyAlpha: number;
    /** process.argv of the run, credentials redacted. */
    command: string[];
    /** The same as a shell command line that repeats the run (`mqleak run ...`); absent in older reports. */
    commandLine?: string;
  };
  /** Absent in older reports. */
  environment?: EnvironmentReport;
  scenarios: ScenarioReport[];
  /** k6-style thresholds and whether each held; any `fail` makes the exit code 1. Absent in older reports. */
  thresholds?: ThresholdResult[];
}
