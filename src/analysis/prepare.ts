// From a MetricSeries to the points the verdict judges: warm-up, missing floors, data problems.

import type { DataIssue, DataIssueCode, JudgeOptions, MetricSeries } from '../core/verdict-types.js';
import { median } from './quantile.js';
import { DEFAULT_MIN_WARMUP_CYCLES, MAX_WARMUP_SHARE, detectWarmupDecay } from './warmup.js';

/**
 * Fewest judged cycles for any verdict but INCONCLUSIVE. Six floors give 15 pairwise slopes,
 * enough for a 95 % Sen interval that is narrower than the range of the slopes (with 5 or fewer
 * the interval is the whole range, i.e. says nothing), and three per half for the persistence
 * check.
 */
export const MIN_JUDGED_CYCLES = 6;

/**
 * Largest share of measured cycles allowed to have no floor. Beyond a quarter the sampling
 * itself was failing (probe errors, a stalled sampler), and what is left is not a fair sample of
 * the run: INCONCLUSIVE `data`.
 */
export const MAX_NULL_FLOOR_SHARE = 0.25;

/**
 * Issues that make the series untrustworthy on their own: a new PID means two processes in one
 * series, swapping makes RSS meaningless, probe errors mean readings of unknown quality.
 * `missing-samples` is judged by how many floors are null instead, and `late-samples` (the
 * sampler ran late) does not change what a floor is.
 */
export const SERIOUS_ISSUE_CODES: readonly DataIssueCode[] = ['pid-changed', 'swapping', 'probe-error', 'agent-lost'];

export interface JudgedPoint {
  /** CycleFloor.index */
  index: number;
  /** cumulativeOps */
  x: number;
  /** floor */
  y: number;
  endMs: number;
}

export interface PreparedSeries {
  points: JudgedPoint[];
  totalCycles: number;
  /** Cycles the runner did not flag as warm-up. */
  measuredCycles: number;
  flaggedWarmup: number;
  /** Measured cycles dropped to reach the minimum warm-up. */
  minRuleDropped: number;
  /** Measured cycles dropped because they still showed a decaying warm-up. */
  decayDropped: number;
  /** Measured cycles (after the warm-up) with no floor. */
  nullFloors: number;
  /** Median operations per measured cycle. */
  opsPerCycle: number;
  /** Set when the series cannot be judged: the words of the `data` reason. */
  dataProblem: string | null;
  /** Too few judged cycles because the run was short, not because data was missing. */
  tooShort: boolean;
}

/**
 * `noiseFloor` is the size of a wobble that does not matter in the metric's unit (for bytes a
 * cycle's worth of threshold growth, for counts the tolerance): it keeps noiseless data from
 * turning every wobble into warm-up.
 */
export function prepareSeries(
  series: MetricSeries,
  options: JudgeOptions,
  noiseFloor: (opsPerCycle: number) => number,
): PreparedSeries {
  const cycles = [...series.cycles].sort((a, b) => a.index - b.index);
  const totalCycles = cycles.length;
  const measured = cycles.filter((c) => !c.warmup);
  const flaggedWarmup = totalCycles - measured.length;
  const minWarmup = Math.max(0, Math.floor(options.minWarmupCycles ?? DEFAULT_MIN_WARMUP_CYCLES));
  const minRuleDropped = Math.min(measured.length, Math.max(0, minWarmup - flaggedWarmup));
  const afterMin = measured.slice(minRuleDropped);

  const opsPerCycle = medianOpsPerCycle(cycles);

  const nonNull = afterMin.filter((c) => c.floor !== null && Number.isFinite(c.floor));
  const nullFloors = afterMin.length - nonNull.length;
  let points: JudgedPoint[] = nonNull.map((c) => ({
    index: c.index,
    x: c.cumulativeOps,
    y: c.floor as number,
    endMs: c.endMs,
  }));

  const maxDecayDrop = Math.floor(MAX_WARMUP_SHARE * measured.length);
  const decay = detectWarmupDecay(
    points.map((p) => p.x),
    points.map((p) => p.y),
    maxDecayDrop,
    MIN_JUDGED_CYCLES,
    noiseFloor(opsPerCycle),
  );
  points = points.slice(decay.dropped);

  let dataProblem = seriousIssues(series.issues);
  if (dataProblem === null && points.length >= 2 && new Set(points.map((p) => p.x)).size < 2) {
    dataProblem = 'the operation count did not advance across the measured cycles (no operations recorded)';
  }
  const nullShare = afterMin.length > 0 ? nullFloors / afterMin.length : 0;
  if (
    dataProblem === null &&
    nullFloors > 0 &&
    (nullShare > MAX_NULL_FLOOR_SHARE || points.length < MIN_JUDGED_CYCLES)
  ) {
    dataProblem = `${nullFloors} of ${afterMin.length} measured cycles had no usable floor (samples missing)`;
  }
  const tooShort = dataProblem === null && points.length < MIN_JUDGED_CYCLES;
  return {
    points,
    totalCycles,
    measuredCycles: measured.length,
    flaggedWarmup,
    minRuleDropped,
    decayDropped: decay.dropped,
    nullFloors,
    opsPerCycle,
    dataProblem,
    tooShort,
  };
}

function seriousIssues(issues: readonly DataIssue[]): string | null {
  const serious = issues.filter((i) => SERIOUS_ISSUE_CODES.includes(i.code));
  if (serious.length === 0) return null;
  return serious.map((i) => `${i.code}: ${i.detail}`).join('; ');
}

/** Median operations per measured cycle (increments of cumulativeOps); 0 when unknown. */
export function medianOpsPerCycle(cycles: readonly { warmup: boolean; cumulativeOps: number }[]): number {
  const deltas: number[] = [];
  for (let i = 0; i < cycles.length; i++) {
    const c = cycles[i] as { warmup: boolean; cumulativeOps: number };
    if (c.warmup) continue;
    const prev = i > 0 ? (cycles[i - 1] as { cumulativeOps: number }).cumulativeOps : 0;
    const d = c.cumulativeOps - prev;
    if (Number.isFinite(d) && d > 0) deltas.push(d);
  }
  const m = median(deltas);
  return Number.isFinite(m) ? m : 0;
}
