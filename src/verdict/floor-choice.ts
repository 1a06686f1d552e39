import {
  combineFloorViews,
  judgeMetric,
  planTroughFloors,
  troughFloors,
  median,
  type JudgeOptions,
  type LoadCycle,
  type MetricSeries,
  type MetricVerdict,
  type TroughPlan,
} from '../analysis/index.js';
import type { CycleReport, FloorMethodReport } from '../core/report-model.js';
import { METRICS, type MetricInfo, type MetricName, type Sample } from '../core/metrics.js';

// Which floors a scenario's memory metrics are judged on. With a collection forced before every
// floor (the embedded broker, --gc-cmd) the settle floors are the broker's live memory, and they
// alone are judged. Without one, a garbage-collected broker's settle floors land anywhere on its
// GC sawtooth: when the samples under load show collections, the post-GC troughs are judged too,
// and combined (src/analysis/floor-views.ts: a PASS of either view stands, a LEAK needs the settle
// floors). A C broker shows no collections and keeps its settle floors alone.

export interface TroughViews {
  /** A collection was forced before every measured floor. */
  gcForced: boolean;
  /** Per memory metric, when no collection was forced: what the data showed, and the troughs when there are any. */
  plans: Partial<
    Record<MetricName, { plan: TroughPlan; floors: (number | null)[] | null; recoveryFloor: number | null }>
  >;
}

/**
 * `thresholdPerOp(metric)`: the metric's δ; one cycle of δ-sized growth is the smallest fall taken for a
 * collection. `recovery`: the recovery phase, whose trough (teardown included) the troughs are compared with.
 */
export function troughViews(
  cycles: readonly CycleReport[],
  samples: readonly Sample[],
  thresholdPerOp: (metric: MetricName) => number,
  recovery: { startMs: number; endMs: number } | null,
  metrics: readonly MetricInfo[] = METRICS,
): TroughViews {
  const measured = cycles.filter((cycle) => !cycle.warmup);
  const gcForced = measured.length > 0 && measured.every((cycle) => cycle.gcForced);
  const plans: TroughViews['plans'] = {};
  if (gcForced) return { gcForced, plans };
  const loadCycles: LoadCycle[] = cycles.map((cycle) => ({
    startMs: cycle.startMs,
    loadEndMs: cycle.loadEndMs,
    endMs: cycle.endMs,
    operations: cycle.operations,
  }));
  const opsPerCycle = median(measured.map((cycle) => cycle.operations));
  for (const metric of metrics) {
    if (!metric.judged || metric.kind !== 'bytes') continue;
    const withValue = samples.filter((sample) => sample.values[metric.name] !== undefined);
    const ts = withValue.map((sample) => sample.t);
    const values = withValue.map((sample) => sample.values[metric.name] as number);
    const plan = planTroughFloors(
      loadCycles,
      ts,
      values,
      measured.length,
      Math.max(0, thresholdPerOp(metric.name)) * (Number.isFinite(opsPerCycle) ? opsPerCycle : 0),
    );
    // The recovery phase as one more window: its trough is what the cycle troughs are compared with.
    const recoveryTrough =
      recovery === null
        ? null
        : (troughFloors(
            [{ startMs: recovery.startMs, loadEndMs: recovery.startMs, endMs: recovery.endMs, operations: 0 }],
            ts,
            values,
            1,
          )[0] ?? null);
    plans[metric.name] = {
      plan,
      floors: plan.windowCycles === null ? null : troughFloors(loadCycles, ts, values, plan.windowCycles),
      recoveryFloor: recoveryTrough,
    };
  }
  return { gcForced, plans };
}

export interface MemoryJudgement {
  judged: MetricVerdict;
  /** The floors behind `judged`, one per cycle, when they are not the recorded settle floors. */
  floors: (number | null)[] | null;
  method: FloorMethodReport;
}

function method(
  kind: FloorMethodReport['kind'],
  views: TroughViews,
  plan: TroughPlan | null,
  why: string,
  other: MetricVerdict | null,
): FloorMethodReport {
  return {
    kind,
    gcForced: views.gcForced,
    gcPeriodOps: plan?.gcPeriodOps ?? null,
    gcPeriodMs: plan?.gcPeriodMs ?? null,
    windowCycles: plan?.windowCycles ?? null,
    why,
    other:
      other === null
        ? null
        : {
            kind: kind === 'trough' ? 'settle' : 'trough',
            verdict: other.verdict,
            reasonCode: other.reasonCode,
            perOp: other.perOp,
            ci: other.ci,
          },
  };
}

/** One metric's verdict over the floor views it has: settle floors alone, or settle floors and troughs. */
export function judgeWithFloorViews(series: MetricSeries, options: JudgeOptions, views: TroughViews): MemoryJudgement {
  const entry = views.plans[series.metric];
  if (views.gcForced || entry === undefined) {
    const why = views.gcForced ? 'settle floors after a garbage collection forced before each' : 'settle floors';
    return { judged: judgeMetric(series, options), floors: null, method: method('settle', views, null, why, null) };
  }
  const troughs = entry.floors;
  if (troughs === null) {
    return {
      judged: judgeMetric(series, options),
      floors: null,
      method: method('settle', views, entry.plan, `settle floors: no collection forced, and ${entry.plan.why}`, null),
    };
  }
  const settle = judgeMetric(series, options);
  const trough = judgeMetric(
    {
      ...series,
      cycles: series.cycles.map((cycle, k) => ({ ...cycle, floor: troughs[k] ?? null })),
      recoveryFloor: entry.recoveryFloor,
    },
    options,
  );
  const combined = combineFloorViews(settle, trough);
  const other = combined.view === 'trough' ? settle : trough;
  const window = `${entry.plan.windowCycles === 1 ? 'each cycle' : `${entry.plan.windowCycles} cycles`}`;
  const why =
    `no collection forced; ${entry.plan.why}: post-GC troughs (the lowest memory over ` +
    `${window}, load included) and settle floors both judged; reported: the ` +
    `${combined.view === 'trough' ? 'troughs' : 'settle floors'}`;
  return {
    judged: combined.verdict,
    floors: combined.view === 'trough' ? troughs : null,
    method: method(combined.view, views, entry.plan, why, other),
  };
}

/** A sentence for the metric's reason when no collection was forced and the troughs were judged too. */
export function floorNote(method: FloorMethodReport): string {
  if (method.other === null || method.other === undefined) return '';
  const mine = method.kind === 'trough' ? 'post-GC troughs (lowest memory, load included)' : 'settle floors';
  const theirs = method.kind === 'trough' ? 'settle floors' : 'post-GC troughs';
  const untrusted =
    method.other.kind === 'trough' && method.other.verdict === 'leak'
      ? ', which alone is not trusted: troughs can hold garbage a major collection has not reached yet'
      : '';
  return (
    ` Reported on its ${mine}: no collection could be forced, so troughs and settle floors ` +
    `were both judged (the ${theirs} said ` +
    `${method.other.verdict.toUpperCase()}${untrusted}); --gc-cmd forces one before every ` +
    `floor.`
  );
}
