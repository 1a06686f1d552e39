import {
  combineVerdicts,
  DEFAULT_FAMILY_ALPHA,
  judgeSoakMetric,
  opsAt,
  planSoakWindow,
  shareAlpha,
  type OpsPoint,
  type SoakMetricInput,
  type SoakSamples,
  type DataIssue,
} from '../analysis/index.js';
import type { CycleReport, MetricReport, SoakReport } from '../core/report-model.js';
import { fittedIntercept } from './fit.js';
import { METRICS, type MetricInfo, type MetricName, type Sample } from '../core/metrics.js';
import { runIssues, scenarioThreshold, type ScenarioJudgement, type ScenarioThresholds } from './judge-scenario.js';
import { judgedFigures } from './judged-figures.js';
import type { SoakRecording } from '../core/recording.js';

// The verdict of a soak run: the window is sized from the GC period in the samples under load
// (src/analysis/soak-judge.ts), every judged metric is judged on its window minima against the
// operations done, sharing the error budget, and the windows become the report's `cycles[]`.

export interface SoakJudgement extends ScenarioJudgement {
  soak: SoakReport;
}

/** Operations done over time: each batch from its start to the end of its load. */
function opsTimeline(recording: SoakRecording): OpsPoint[] {
  const points: OpsPoint[] = [{ t: recording.soak.loadStartMs, cumulativeOps: 0 }];
  for (const batch of recording.soak.batches) {
    points.push({ t: batch.startMs, cumulativeOps: batch.cumulativeOps - batch.operations });
    points.push({ t: batch.loadEndMs, cumulativeOps: batch.cumulativeOps });
  }
  return points;
}

function samplesOf(samples: readonly Sample[], metric: MetricName): SoakSamples {
  const withValue = samples.filter((sample) => sample.values[metric] !== undefined);
  return {
    ts: withValue.map((sample) => sample.t),
    values: withValue.map((sample) => sample.values[metric] as number),
  };
}

/**
 * `known` is what the probes offer (the sampler's metrics, as the cycle judge gets them): every judged
 * one with samples under load is judged, `sys.heap` and `http.*` as much as `proc.rss`; `probeIssues`
 * says why a probe missed readings.
 */
export function judgeSoakScenario(
  scenario: ScenarioThresholds,
  recording: SoakRecording,
  samples: readonly Sample[],
  known: readonly MetricInfo[] = METRICS,
  probeIssues: (metric: string) => DataIssue[] = () => [],
): SoakJudgement {
  const { soak } = recording;
  const issues = runIssues(samples);
  const ops = opsTimeline(recording);
  const loadEndMs = soak.loadEndMs > 0 ? soak.loadEndMs : soak.loadStartMs;
  const fromMs = Math.min(soak.warmupEndMs, loadEndMs);
  const measuredMs = Math.max(0, loadEndMs - fromMs);
  const measuredOperations = Math.round(opsAt(ops, loadEndMs) - opsAt(ops, fromMs));
  const opsPerSecond = measuredMs > 0 ? measuredOperations / (measuredMs / 1000) : null;
  const underLoad = samples.filter((sample) => sample.t >= fromMs && sample.t <= loadEndMs);

  const judgedMetrics = known.filter(
    (metric) =>
      metric.judged && metric.kind !== 'rate' && underLoad.some((sample) => sample.values[metric.name] !== undefined),
  );
  const memory: Record<string, SoakSamples> = {};
  for (const metric of judgedMetrics)
    if (metric.kind === 'bytes') memory[metric.name] = samplesOf(underLoad, metric.name);
  const plan = planSoakWindow(memory, measuredMs);
  const alpha = shareAlpha(DEFAULT_FAMILY_ALPHA, judgedMetrics.length);
  const t0 = underLoad[0]?.t ?? fromMs;
  const rows = new Map<number, CycleReport>();
  const rowFor = (t: number): CycleReport => {
    const k = Math.floor((t - t0) / plan.windowMs);
    let row = rows.get(k);
    if (row === undefined) {
      const startMs = t0 + k * plan.windowMs;
      const endMs = Math.min(startMs + plan.windowMs, loadEndMs);
      const inWindow = soak.batches.filter((batch) => batch.loadEndMs > startMs && batch.loadEndMs <= endMs);
      const failureKinds: Record<string, number> = {};
      for (const batch of inWindow)
        for (const [kind, count] of Object.entries(batch.failureKinds))
          failureKinds[kind] = (failureKinds[kind] ?? 0) + count;
      row = {
        index: k,
        warmup: false,
        startMs,
        loadEndMs: endMs,
        endMs,
        operations: Math.round(opsAt(ops, endMs) - opsAt(ops, startMs)),
        cumulativeOps: Math.round(opsAt(ops, endMs)),
        failures: inWindow.reduce((sum, batch) => sum + batch.failures, 0),
        failureKinds,
        gcForced: false,
        floors: {},
      };
      rows.set(k, row);
    }
    return row;
  };

  const metrics = judgedMetrics.map((metric): MetricReport => {
    const kind = metric.kind as 'bytes' | 'count';
    const thresholdPerOp = scenarioThreshold(scenario, metric.name, kind);
    const bytes = kind === 'bytes';
    // With a collection forced before it, the recovery floor is live memory; without, its post-GC trough, like the
    // windows' minima.
    const recoveryFloor =
      bytes && !soak.recoveryGcForced
        ? (soak.recoveryMinima[metric.name] ?? recording.recoveryFloors[metric.name] ?? null)
        : (recording.recoveryFloors[metric.name] ?? null);
    const input: SoakMetricInput = {
      metric: metric.name,
      kind,
      unit: metric.unit,
      samples: samplesOf(underLoad, metric.name),
      ops,
      baselineFloor: recording.baselineFloors[metric.name] ?? null,
      recoveryFloor,
      issues: [...issues, ...probeIssues(metric.name)],
    };
    const judged = judgeSoakMetric(input, plan.windowMs, { thresholdPerOp, alpha, opsPerSecond: opsPerSecond ?? 0 });
    for (const window of judged.windows)
      if (window.floor !== null) rowFor(window.endMs).floors[metric.name] = window.floor;
    // The intercept of the metric's own points (operations when each minimum was seen), not the rows' window ends.
    const own: CycleReport[] = judged.windows.map((window) => ({
      ...rowFor(window.endMs),
      cumulativeOps: window.cumulativeOps,
      floors: window.floor === null ? {} : { [metric.name]: window.floor },
    }));
    return {
      name: metric.name,
      kind,
      unit: metric.unit,
      ...judgedFigures(judged, kind, thresholdPerOp, opsPerSecond),
      reason: judged.reason,
      minutesNeeded: judged.minutesNeeded,
      baselineFloor: input.baselineFloor,
      recoveryFloor,
      intercept: fittedIntercept(own, metric.name, judged.perOp, judged.cyclesUsed),
    };
  });

  return {
    metrics,
    issues,
    verdict: combineVerdicts(metrics.map((metric) => metric.verdict)),
    opsPerSecond,
    measuredOperations,
    cycles: [...rows.values()].sort((a, b) => a.index - b.index),
    soak: {
      durationMs: soak.durationMs,
      loadMs: Math.max(0, loadEndMs - soak.loadStartMs),
      warmupMs: Math.max(0, fromMs - soak.loadStartMs),
      windowMs: plan.windowMs,
      windowChoice: plan.choice,
      gcPeriodMs: plan.gcPeriodMs,
      gcPeriods: plan.periods,
      why: plan.why,
      batches: soak.batches.length,
      recoveryGcForced: soak.recoveryGcForced,
    },
  };
}
