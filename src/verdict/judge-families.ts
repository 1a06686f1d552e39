import { combineVerdicts, judgeFamilyGrowth } from '../analysis/index.js';
import type { CycleReport, FamilyMetricReport, FamilyReport, MetricReport } from '../core/report-model.js';

// Per-family verdicts of a scenario whose pattern ran one variant family per measured cycle: each
// metric's floors, rise by rise, credited to the family that ran (src/analysis/family-growth.ts).
// Settle floors are used, as recorded: a trough spans several cycles and cannot be credited to one.

/** The families the measured cycles rotated through, in the order they first ran. */
export function rotatedFamilies(cycles: readonly CycleReport[]): string[] {
  const seen: string[] = [];
  for (const cycle of cycles) {
    if (cycle.warmup || cycle.variant === undefined || seen.includes(cycle.variant)) continue;
    seen.push(cycle.variant);
  }
  return seen;
}

/**
 * One report per family, or null when fewer than two families rotated. `mixed`: the scenario's metric
 * reports (their upper bounds say how much growth the whole run kept); `alpha`: each family interval's share.
 */
export function judgeFamilies(
  cycles: readonly CycleReport[],
  mixed: readonly MetricReport[],
  alpha: number,
): FamilyReport[] | null {
  const families = rotatedFamilies(cycles);
  if (families.length < 2) return null;
  const measured = cycles.filter((cycle) => !cycle.warmup);
  const mixedOperations = measured.reduce((sum, cycle) => sum + cycle.operations, 0);
  const byFamily = new Map<string, FamilyMetricReport[]>(families.map((family) => [family, []]));
  for (const metric of mixed) {
    const growth = judgeFamilyGrowth(
      families,
      cycles.map((cycle) => ({
        index: cycle.index,
        warmup: cycle.warmup,
        operations: cycle.operations,
        floor: cycle.floors[metric.name] ?? null,
        ...(cycle.variant === undefined ? {} : { variant: cycle.variant }),
      })),
      {
        thresholdPerOp: metric.thresholdPerOp,
        alpha,
        mixedUpperPerOp: metric.ci?.[1] ?? null,
        mixedOperations,
        unit: metric.unit,
        metric: metric.name,
      },
    );
    for (const entry of growth) {
      byFamily.get(entry.family)?.push({
        name: metric.name,
        unit: metric.unit,
        verdict: entry.verdict,
        reasonCode: entry.reasonCode,
        reason: entry.reason,
        perOp: entry.perOp,
        ci: entry.ci,
        thresholdPerOp: metric.thresholdPerOp,
        cyclesUsed: entry.cyclesUsed,
        growingCycles: entry.growingCycles,
      });
    }
  }
  return families.map((family) => {
    const own = measured.filter((cycle) => cycle.variant === family);
    const metrics = byFamily.get(family) ?? [];
    return {
      name: family,
      verdict: combineVerdicts(metrics.map((metric) => metric.verdict)),
      cycles: own.length,
      operations: own.reduce((sum, cycle) => sum + cycle.operations, 0),
      metrics,
    };
  });
}

/** The LEAK family narrowing starts from: the one whose memory grows the most surely (largest lower bound). */
export function leakingFamily(families: readonly FamilyReport[] | null | undefined): FamilyReport | null {
  let best: { family: FamilyReport; low: number } | null = null;
  for (const family of families ?? []) {
    if (family.verdict !== 'leak') continue;
    for (const metric of family.metrics) {
      if (metric.verdict !== 'leak' || metric.ci === null) continue;
      const low = metric.ci[0] / Math.max(metric.thresholdPerOp, Number.MIN_VALUE);
      if (best === null || low > best.low) best = { family, low };
    }
  }
  return best?.family ?? null;
}
