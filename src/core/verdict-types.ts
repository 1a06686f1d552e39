// The analysis contract: what the run hands to the statistics, and what comes back.
// Everything in src/analysis/ is pure: data in, verdict out, no I/O, no clocks.

export type Verdict = 'pass' | 'leak' | 'inconclusive';

/** Why a metric got its verdict; `reason` says the same in words a user can act on. */
export type ReasonCode =
  | 'growth' // LEAK: growth above the threshold that persists and is not given back
  | 'flat' // PASS: the interval's upper bound is below the threshold
  | 'underpowered' // too few cycles / too much noise to tell either way
  | 'saturating' // growth that levels off (a cache filling up)
  | 'step' // a one-off jump followed by flat
  | 'transient' // grew under load but was given back in recovery
  | 'data'; // samples missing, the PID changed, the broker swapped ...

/** Memory-like metrics are judged by slope in bytes; counts (fds, threads) by returning to their level. */
export type MetricKind = 'bytes' | 'count';

/** One cycle of the pattern, reduced to the value the verdict uses: its floor after settling. */
export interface CycleFloor {
  /** 0-based position over all cycles of the scenario, warm-up included. */
  index: number;
  /** Warm-up cycles are never judged. */
  warmup: boolean;
  /** Operations done since the scenario started, up to the end of this cycle's load. */
  cumulativeOps: number;
  /** Robust low value over the end of the settle window; null when that window had no usable sample. */
  floor: number | null;
  /** When the cycle ended (ms since the run started): used for per-hour figures and soak windows. */
  endMs: number;
}

export type DataIssueCode =
  | 'missing-samples'
  | 'pid-changed'
  | 'swapping'
  | 'late-samples'
  | 'probe-error'
  // `--agents`: an agent was lost mid-scenario, so the operations counted miss its share
  | 'agent-lost';

export interface DataIssue {
  code: DataIssueCode;
  detail: string;
}

/** One metric of one scenario: what the runner measured. */
export interface MetricSeries {
  /** e.g. `rss`, `rssAnon`, `fds`, `threads`. */
  metric: string;
  kind: MetricKind;
  /** `B` for bytes, otherwise the counted thing (`fds`, `threads`). */
  unit: string;
  cycles: CycleFloor[];
  /** Floor of the idle baseline before any load; null if not measured. */
  baselineFloor: number | null;
  /** Floor at the end of the recovery phase (everything disconnected, idle); null if not measured. */
  recoveryFloor: number | null;
  /** Problems with the data the runner already knows of; any serious one makes the verdict `data`. */
  issues: DataIssue[];
}

export interface JudgeOptions {
  /** δ: growth per operation that matters, in the metric's unit (bytes or count per op). */
  thresholdPerOp: number;
  /** Two-sided error allowed for this metric's interval, after sharing the family's budget. */
  alpha: number;
  /** Operations per second achieved over the measured cycles: turns per-op figures into per-hour ones. */
  opsPerSecond: number;
  /** Warm-up cycles to drop at the least (the runner marks them; analysis may drop more). */
  minWarmupCycles?: number;
  /** How Sen's interval is widened for serial correlation (analysis/theil-sen.ts): `plain` unless set. */
  serialCorrection?: 'plain' | 'conservative';
}

export interface PersistenceCheck {
  firstHalfPerOp: number | null;
  secondHalfPerOp: number | null;
  /** Growth continues into the second half of the run. */
  persists: boolean;
}

export interface RecoveryCheck {
  /** Floor right after warm-up: where the metric should come back to. */
  postWarmupFloor: number;
  /** Floor of the last measured cycle. */
  lastFloor: number;
  recoveryFloor: number | null;
  /** Share of the growth (post-warm-up → last cycle) still held after recovery: 1 = none given back. */
  retainedShare: number | null;
  /** The broker gave the growth back when the load stopped. */
  returned: boolean;
}

export interface StepInfo {
  /** Index (CycleFloor.index) of the first cycle after the jump. */
  atCycle: number;
  /** Size of the jump in the metric's unit. */
  size: number;
}

export interface MetricVerdict {
  metric: string;
  kind: MetricKind;
  unit: string;
  verdict: Verdict;
  reasonCode: ReasonCode;
  /** One or two sentences in plain words: what was seen and, for INCONCLUSIVE, what would settle it. */
  reason: string;
  /** Theil–Sen slope in unit per operation; null when it could not be computed. */
  perOp: number | null;
  /** Sen's confidence interval of that slope, [low, high], unit per operation. */
  ci: [number, number] | null;
  /** perOp × achieved rate × 3600: unit per hour at the rate this run achieved. */
  perHour: number | null;
  /** The smallest slope this run could have told apart from zero (half-width of the interval). */
  minDetectablePerOp: number | null;
  thresholdPerOp: number;
  cyclesUsed: number;
  cyclesDropped: number;
  /** For `underpowered`: total measured cycles that would likely settle it. */
  cyclesNeeded: number | null;
  persistence: PersistenceCheck | null;
  recovery: RecoveryCheck | null;
  step: StepInfo | null;
}
