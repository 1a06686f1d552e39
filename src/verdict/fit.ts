import type { CycleReport, MetricReport } from '../core/report-model.js';
import type { MetricName } from '../core/metrics.js';

// The fitted line of a metric, drawn over its cycles: which floors it was fitted on and where it sits.

export interface FitPoint {
  cycle: CycleReport;
  /** cumulativeOps */
  x: number;
  /** the cycle's floor */
  y: number;
}

/**
 * The floors a metric's slope was fitted on. The analysis only ever drops cycles from the start of
 * the measured ones (the minimum warm-up, a decaying warm-up, everything before a step), and never
 * judges a cycle without a floor: the judged cycles are the last `cyclesUsed` measured ones that
 * have a floor.
 */
export function judgedPoints(cycles: readonly CycleReport[], metric: string, cyclesUsed: number): FitPoint[] {
  const withFloor: FitPoint[] = [];
  for (const cycle of cycles) {
    const y = cycle.floors[metric as MetricName];
    if (!cycle.warmup && y !== undefined && Number.isFinite(y)) withFloor.push({ cycle, x: cycle.cumulativeOps, y });
  }
  return cyclesUsed <= 0 ? [] : withFloor.slice(Math.max(0, withFloor.length - cyclesUsed));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The Theil–Sen intercept for a known slope: median(y − slope·x) over the judged floors. */
export function fittedIntercept(
  cycles: readonly CycleReport[],
  metric: string,
  perOp: number | null,
  cyclesUsed: number,
): number | null {
  if (perOp === null || !Number.isFinite(perOp)) return null;
  const points = judgedPoints(cycles, metric, cyclesUsed);
  if (points.length === 0) return null;
  return median(points.map((point) => point.y - perOp * point.x));
}

/** The metric's intercept as the report gives it, or recomputed for reports written before it was recorded. */
export function interceptOf(metric: MetricReport, cycles: readonly CycleReport[]): number | null {
  if (metric.intercept !== undefined) return metric.intercept;
  return fittedIntercept(cycles, metric.name, metric.perOp, metric.cyclesUsed);
}
