// The verdict of a continuous (soak) run: no cycles and no settle windows, so the raw samples under
// load are cut into windows sized from the GC period the data shows (src/analysis/gc-rhythm.ts), each
// window's minimum (the post-GC floor) is paired with the operations done by then, and those
// floors go through the same verdict as cycle floors (judgeMetric). Pure: data in, verdict out.

import { judgeMetric } from './judge.js';
import { MIN_JUDGED_CYCLES } from './prepare.js';
import { estimateGcPeriod, soakWindowMs, windowMinima } from './gc-rhythm.js';
import type {
  CycleFloor,
  DataIssue,
  JudgeOptions,
  MetricKind,
  MetricSeries,
  MetricVerdict,
} from '../core/verdict-types.js';

/**
 * Window when no GC rhythm shows (a C broker: its allocator keeps freed memory, RSS has no
 * sawtooth; or a collector too quiet to see). 5 s holds 50 samples at the default 100 ms interval,
 * plenty for a minimum that is not one stray reading, and still gives a one-minute soak
 * (48 s measured after its warm-up) 9 windows, above the 6 the verdict needs.
 */
export const SOAK_FALLBACK_WINDOW_MS = 5_000;

/**
 * Most windows judged in one run: past a few hundred floors the interval no longer narrows much
 * (its half-width goes like n^-1.5) while Theil–Sen's pairwise slopes grow like n². A long soak
 * with a short GC period gets longer windows (each still spans at least two periods).
 */
export const SOAK_MAX_WINDOWS = 300;

/**
 * Share of the soak's load time at its start that is warm-up, never judged: pools, caches and a
 * GC heap grow to their working size under the first load. A fifth, like the cycle model's
 * warm-up share (3 of 15 cycles at the defaults).
 */
export const SOAK_WARMUP_SHARE = 0.2;

/** One metric's raw readings under the soak's load, measured part only (after the warm-up). */
export interface SoakSamples {
  ts: readonly number[];
  values: readonly number[];
}

/** Operations done by time `t` (ms): the points the load reported, in time order. */
export interface OpsPoint {
  t: number;
  cumulativeOps: number;
}

export interface SoakWindowPlan {
  windowMs: number;
  /**
   * `gc-period`: SOAK_WINDOW_GC_PERIODS × the longest GC period found; `fallback`: no rhythm found,
   * SOAK_FALLBACK_WINDOW_MS; either widened to keep at most SOAK_MAX_WINDOWS.
   */
  choice: 'gc-period' | 'fallback';
  /** The longest GC period found among the memory metrics, ms; null when none showed one. */
  gcPeriodMs: number | null;
  /** Per memory metric, the period found (null: none). */
  periods: Record<string, number | null>;
  /** In words, for the report. */
  why: string;
}

/**
 * One window size for every metric of the scenario (the report's window rows are shared): the
 * longest GC period any memory metric shows, so every window holds a collection of each; the
 * fallback when none shows one; never so short that the run has more than SOAK_MAX_WINDOWS.
 */
export function planSoakWindow(
  memory: Record<string, SoakSamples>,
  measuredMs: number,
  fallbackMs = SOAK_FALLBACK_WINDOW_MS,
): SoakWindowPlan {
  const periods: Record<string, number | null> = {};
  for (const [metric, samples] of Object.entries(memory))
    periods[metric] = estimateGcPeriod([...samples.ts], [...samples.values]);
  const found = Object.values(periods).filter((p): p is number => p !== null && p > 0);
  const gcPeriodMs = found.length > 0 ? Math.max(...found) : null;
  const chosen = soakWindowMs(gcPeriodMs, fallbackMs);
  const minimum = measuredMs > 0 ? measuredMs / SOAK_MAX_WINDOWS : 0;
  const windowMs = Math.max(chosen, minimum);
  const widened =
    windowMs > chosen ? `, widened to ${seconds(windowMs)} to keep at most ${SOAK_MAX_WINDOWS} windows` : '';
  const why =
    gcPeriodMs === null
      ? `no garbage-collection rhythm in the samples under load (a C broker, or collections ` +
        `lost in the noise): fixed ${seconds(fallbackMs)} windows${widened}`
      : `memory fell back every ${seconds(gcPeriodMs)} under load (garbage collections, or ` +
        `the load's own rhythm on a C broker): windows of ${seconds(chosen)}, two periods, ` +
        `so each holds a trough${widened}`;
  return { windowMs, choice: gcPeriodMs === null ? 'fallback' : 'gc-period', gcPeriodMs, periods, why };
}

/** Operations done by `t`: linear between the reported points, flat beyond them. */
export function opsAt(points: readonly OpsPoint[], t: number): number {
  if (points.length === 0) return 0;
  const first = points[0] as OpsPoint;
  if (t <= first.t) return first.cumulativeOps;
  for (let i = 1; i < points.length; i++) {
    const b = points[i] as OpsPoint;
    if (t <= b.t) {
      const a = points[i - 1] as OpsPoint;
      return b.t > a.t
        ? a.cumulativeOps + ((b.cumulativeOps - a.cumulativeOps) * (t - a.t)) / (b.t - a.t)
        : b.cumulativeOps;
    }
  }
  return (points[points.length - 1] as OpsPoint).cumulativeOps;
}

export interface SoakMetricInput {
  metric: string;
  kind: MetricKind;
  unit: string;
  /** Raw samples of the measured part of the load (the warm-up left out). */
  samples: SoakSamples;
  ops: readonly OpsPoint[];
  baselineFloor: number | null;
  recoveryFloor: number | null;
  issues: DataIssue[];
}

/** The window floors as the verdict's cycles: each window's minimum, at the operations done when it was seen. */
export function soakSeries(input: SoakMetricInput, windowMs: number): MetricSeries {
  const minima = windowMinima([...input.samples.ts], [...input.samples.values], windowMs);
  const cycles: CycleFloor[] = minima.map((m, index) => ({
    index,
    warmup: false,
    cumulativeOps: Math.round(opsAt(input.ops, m.t)),
    floor: m.value,
    endMs: m.t,
  }));
  return {
    metric: input.metric,
    kind: input.kind,
    unit: input.unit,
    cycles,
    baselineFloor: input.baselineFloor,
    recoveryFloor: input.recoveryFloor,
    issues: input.issues,
  };
}

export interface SoakVerdict extends MetricVerdict {
  /** For `underpowered`: soak minutes (warm-up included) that would likely settle it. */
  minutesNeeded: number | null;
  /** The window floors judged (the windows' minima and when they were seen). */
  windows: CycleFloor[];
}

/** Soak length in minutes (warm-up share included) that would give `windows` measured windows. */
export function minutesForWindows(windows: number, windowMs: number): number {
  return Math.max(1, Math.ceil((windows * windowMs) / (1 - SOAK_WARMUP_SHARE) / 60_000));
}

/**
 * One metric of a soak run: window floors judged like cycle floors (Theil–Sen and Sen's interval
 * widened for autocorrelation, persistence, recovery, step, saturating, minimum detectable slope),
 * with the run's own warm-up already left out (`minWarmupCycles` 0 unless given). The reason
 * speaks of windows, and an underpowered one says how many minutes of soak would settle it.
 */
export function judgeSoakMetric(input: SoakMetricInput, windowMs: number, options: JudgeOptions): SoakVerdict {
  const series = soakSeries(input, windowMs);
  const judged = judgeMetric(series, { ...options, minWarmupCycles: options.minWarmupCycles ?? 0 });
  const minutesNeeded =
    judged.reasonCode === 'underpowered'
      ? minutesForWindows(Math.max(judged.cyclesNeeded ?? MIN_JUDGED_CYCLES, MIN_JUDGED_CYCLES), windowMs)
      : null;
  const settle =
    minutesNeeded === null
      ? ''
      : ` A soak of about ${minutesNeeded} min (--soak ${minutesNeeded}m) would likely settle it.`;
  return { ...judged, reason: inWindows(judged.reason) + settle, minutesNeeded, windows: series.cycles };
}

/** The cycle verdict's words, for windows: a soak run has no cycles to add, only minutes. */
function inWindows(reason: string): string {
  return reason
    .replace(/\bmeasured cycles\b/g, 'windows')
    .replace(/\bcycles\b/g, 'windows')
    .replace(/\bcycle\b/g, 'window');
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}
