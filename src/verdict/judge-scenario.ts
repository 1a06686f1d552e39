import {
  combineVerdicts,
  DEFAULT_FAMILY_ALPHA,
  defaultThresholdPerOp,
  familyAlphas,
  judgeMetric,
  type DataIssue,
  type MetricSeries,
} from '../analysis/index.js';
import type { CycleReport, FamilyReport, MetricReport, RunVerdict } from '../core/report-model.js';
import { judgeFamilies, rotatedFamilies } from './judge-families.js';
import { fittedIntercept } from './fit.js';
import { legacyMetricName, METRICS, type MetricInfo, type Sample } from '../core/metrics.js';
import { floorNote, judgeWithFloorViews, troughViews } from './floor-choice.js';
import { judgedFigures } from './judged-figures.js';
import type { ScenarioRecording } from '../core/recording.js';
import { MIB } from '../core/units.js';

/** Samples this much later than scheduled on median mean mqleak itself was starved: the floors are suspect. */
const LATE_SAMPLE_MEDIAN_MS = 250;

export interface ScenarioJudgement {
  metrics: MetricReport[];
  issues: DataIssue[];
  verdict: RunVerdict;
  opsPerSecond: number | null;
  measuredOperations: number;
  /**
   * The cycles with the floors that were judged (post-GC troughs where no collection could be forced): the report's
   * `cycles`.
   */
  cycles: CycleReport[];
  /** Rotating patterns: each variant family judged on its own cycles (null otherwise). */
  families?: FamilyReport[] | null;
}

/** Achieved rate over the measured cycles' load: what the per-hour figures assume. */
function measuredRate(recording: ScenarioRecording): { opsPerSecond: number | null; operations: number } {
  const measured = recording.cycles.filter((cycle) => !cycle.warmup);
  const operations = measured.reduce((sum, cycle) => sum + cycle.operations, 0);
  const loadMs = measured.reduce((sum, cycle) => sum + (cycle.loadEndMs - cycle.startMs), 0);
  return { opsPerSecond: loadMs > 0 ? operations / (loadMs / 1000) : null, operations };
}

export function runIssues(samples: readonly Sample[]): DataIssue[] {
  const issues: DataIssue[] = [];
  const lateness = samples.map((sample) => sample.lateMs).sort((a, b) => a - b);
  const median = lateness[Math.floor(lateness.length / 2)] ?? 0;
  if (median > LATE_SAMPLE_MEDIAN_MS) {
    issues.push({
      code: 'late-samples',
      detail: `samples ran ${Math.round(median)} ms late on median: mqleak's own process was overloaded`,
    });
  }
  const swaps = samples.map((sample) => sample.values['proc.swap'] ?? 0);
  if (swaps.length > 0 && Math.max(...swaps) > (swaps[0] ?? 0)) {
    issues.push({
      code: 'swapping',
      detail:
        `the broker's swapped-out memory grew to ${Math.round(Math.max(...swaps) / MIB)} MB: ` +
        `RSS no longer shows all its memory`,
    });
  }
  return issues;
}

function seriesFor(metric: MetricInfo, recording: ScenarioRecording, issues: DataIssue[]): MetricSeries | null {
  if (metric.kind === 'rate') return null;
  const cycles = recording.cycles.map((cycle) => ({
    index: cycle.index,
    warmup: cycle.warmup,
    cumulativeOps: cycle.cumulativeOps,
    floor: cycle.floors[metric.name] ?? null,
    endMs: cycle.endMs,
  }));
  if (cycles.every((cycle) => cycle.floor === null)) return null;
  const missing = cycles.filter((cycle) => cycle.floor === null).length;
  const seriesIssues = [...issues];
  if (missing > 0)
    seriesIssues.push({
      code: 'missing-samples',
      detail: `${missing} of ${cycles.length} cycles had no ${metric.name} sample in their floor window`,
    });
  return {
    metric: metric.name,
    kind: metric.kind,
    unit: metric.unit,
    cycles,
    baselineFloor: recording.baselineFloors[metric.name] ?? null,
    recoveryFloor: recording.recoveryFloors[metric.name] ?? null,
    issues: seriesIssues,
  };
}

/** What the verdict needs of a scenario: its per-metric thresholds (δ), where it sets them. */
export interface ScenarioThresholds {
  thresholds: Partial<Record<string, number>>;
}

/**
 * δ of one metric: `thresholds.proc.rss`, or its older bare name `thresholds.rss`, else the default (shared with the
 * soak judge).
 */
export function scenarioThreshold(scenario: ScenarioThresholds, metric: string, kind: 'bytes' | 'count'): number {
  const thresholds = scenario.thresholds;
  return thresholds[metric] ?? thresholds[legacyMetricName(metric) ?? metric] ?? defaultThresholdPerOp(metric, kind);
}

/** A memory LEAK states the recovery window it checked: freed memory an allocator keeps is not given back in any. */
function recoveryNote(
  verdict: string,
  kind: 'bytes' | 'count',
  recovery: { startMs: number; endMs: number } | null,
): string {
  if (verdict !== 'leak' || kind !== 'bytes' || recovery === null) return '';
  return (
    ` Recovery window checked: ${Math.round((recovery.endMs - recovery.startMs) / 1000)} s idle with every ` +
    'client gone.'
  );
}

/** Judges every metric the probe saw, sharing the error budget across them. */
export function judgeScenario(
  scenario: ScenarioThresholds,
  recording: ScenarioRecording,
  samples: readonly Sample[],
  known: readonly MetricInfo[] = METRICS,
  probeIssues: (metric: string) => DataIssue[] = () => [],
): ScenarioJudgement {
  const issues = runIssues(samples);
  const { opsPerSecond, operations } = measuredRate(recording);
  const thresholdFor = (metric: string, kind: 'bytes' | 'count'): number => scenarioThreshold(scenario, metric, kind);
  const recovery = recording.phases.find((phase) => phase.name === 'recovery') ?? null;
  const views = troughViews(recording.cycles, samples, (metric) => thresholdFor(metric, 'bytes'), recovery, known);
  const judgedCycles = recording.cycles.map((cycle) => ({ ...cycle, floors: { ...cycle.floors } }));
  const series = known
    .filter((metric) => metric.judged)
    .map((metric) => seriesFor(metric, recording, [...issues, ...probeIssues(metric.name)]))
    .filter((value): value is MetricSeries => value !== null);
  // Adaptive length judges at its look's slice of the scenario's alpha (analysis/sequential.ts);
  // rotating variant families share the budget with the mixed fit (src/analysis/alpha-budget-families.ts).
  const alphas = familyAlphas(
    recording.sequential?.alpha ?? DEFAULT_FAMILY_ALPHA,
    series.length,
    rotatedFamilies(recording.cycles).length,
  );
  const alpha = alphas.mixed;
  const metrics = series.map((entry): MetricReport => {
    const thresholdPerOp = thresholdFor(entry.metric, entry.kind);
    const options = {
      thresholdPerOp,
      alpha,
      opsPerSecond: opsPerSecond ?? 0,
      // Adaptive runs widen for a conservative estimate of serial correlation (docs/verdicts-sequential.md).
      serialCorrection: recording.sequential === undefined ? ('plain' as const) : ('conservative' as const),
    };
    const memory = entry.kind === 'bytes' ? judgeWithFloorViews(entry, options, views) : null;
    const judged = memory?.judged ?? judgeMetric(entry, options);
    const troughs = memory?.floors ?? null;
    if (troughs !== null) {
      judgedCycles.forEach((cycle, k) => {
        const floor = troughs[k];
        if (floor === null || floor === undefined) delete cycle.floors[entry.metric];
        else cycle.floors[entry.metric] = floor;
      });
    }
    return {
      name: entry.metric,
      kind: entry.kind,
      unit: entry.unit,
      ...judgedFigures(judged, entry.kind, thresholdPerOp, opsPerSecond),
      reason:
        judged.reason +
        (memory === null ? '' : floorNote(memory.method)) +
        recoveryNote(judged.verdict, entry.kind, recovery),
      baselineFloor: entry.baselineFloor,
      recoveryFloor: entry.recoveryFloor,
      intercept: fittedIntercept(judgedCycles, entry.metric, judged.perOp, judged.cyclesUsed),
      ...(memory === null ? {} : { floorMethod: memory.method }),
      ...(judged.verdict === 'leak' && entry.kind === 'bytes' && recovery !== null
        ? { recoveryWindowMs: recovery.endMs - recovery.startMs }
        : {}),
    };
  });
  const families = judgeFamilies(recording.cycles, metrics, alphas.perFamily);
  const familyLeak = families?.some((family) => family.verdict === 'leak') ?? false;
  return {
    metrics,
    issues,
    families,
    // A LEAK of any family is the scenario's LEAK; otherwise the mixed verdict stands (docs/narrowing.md).
    verdict: familyLeak ? 'leak' : combineVerdicts(metrics.map((metric) => metric.verdict)),
    opsPerSecond,
    measuredOperations: operations,
    cycles: judgedCycles,
  };
}
