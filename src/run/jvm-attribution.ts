import { theilSenLine } from '../analysis/index.js';
import type { AttributionReport, CycleReport, ScenarioReport } from '../core/report-model.js';
import type { ClassHistogramSession } from '../attribute/class-histogram-session.js';
import { judgeSites, type SiteSeries } from '../verdict/judge-attribution.js';

// The JVM's classes judged like RSS: each class's shallow bytes at the floors (`jcmd GC.class_histogram`, after a
// full GC) through the same engine as heaptrack's stacks and V8's constructors. A JVM's RSS is the heap it reserved
// and hardly moves, so the classes are compared with the used heap after GC (`jvm.heapUsed`) where it was read.

/** The metric the classes are compared with: the heap after GC, or RSS when the perf counters were not read. */
export const JVM_REFERENCE_METRIC = 'jvm.heapUsed';

const HISTOGRAM_NOTE =
  'only an instrumented run exists: this verdict was measured on a JVM that took a class histogram (a full GC ' +
  'and a heap walk) after every floor; for the verdict of record run the same scenario again without --attribute';

/** Instances per operation over the measured cycles (Theil–Sen), or null with too few of them. */
function instancesPerOp(cycles: readonly CycleReport[], instances: readonly number[]): number | null {
  const points = cycles.map((cycle, k) => ({ cycle, value: instances[k] ?? 0 })).filter(({ cycle }) => !cycle.warmup);
  if (points.length < 2) return null;
  const fit = theilSenLine(
    points.map(({ cycle }) => cycle.cumulativeOps),
    points.map(({ value }) => value),
  );
  return fit?.slope ?? null;
}

function failedReport(report: ScenarioReport, base: AttributionReport, why: string): ScenarioReport {
  return {
    ...report,
    attribution: {
      ...base,
      status: 'failed',
      note: `attribution failed: ${why}; the verdict stands. ${HISTOGRAM_NOTE}`,
    },
  };
}

/** Each scenario's `attribution` from the histograms taken at its floors. */
export function jvmAttribution(
  session: ClassHistogramSession,
  reports: readonly ScenarioReport[],
  baseReport: (report: ScenarioReport) => AttributionReport,
): ScenarioReport[] {
  return reports.map((report, k) => {
    const indexes = report.cycles.map((cycle) => cycle.index);
    const heap = report.metrics.find((metric) => metric.name === JVM_REFERENCE_METRIC);
    const reference = heap ?? report.metrics.find((metric) => metric.name === 'proc.rss');
    const base: AttributionReport = {
      ...baseReport(report),
      rssBytesPerOp: reference?.bytesPerOp ?? null,
      ...(heap === undefined ? {} : { referenceMetric: JVM_REFERENCE_METRIC }),
      snapshots: session.taken,
      traceBytes: session.textBytes,
    };
    if (session.failure !== null) return failedReport(report, base, session.failure);
    if (!session.complete(k, indexes))
      return failedReport(
        report,
        base,
        'no class histogram at some floors of this scenario (a soak, or an aborted run?)',
      );
    const series = session.series(k, indexes);
    const instances = new Map(series.map((entry) => [entry.name, entry.instances]));
    const sites: SiteSeries[] = series.map((entry) => ({
      key: entry.name,
      label: entry.name,
      frames: [],
      symbolized: true,
      floors: entry.bytes,
      baseline: entry.baselineBytes,
      recovery: entry.recoveryBytes,
    }));
    const judged = judgeSites({
      cycles: report.cycles,
      sites,
      thresholdPerOp: reference?.thresholdPerOp ?? report.thresholds['proc.rss'] ?? 0,
      opsPerSecond: report.opsPerSecond,
      rssBytesPerOp: reference?.bytesPerOp ?? null,
    });
    return {
      ...report,
      attribution: {
        ...base,
        note: HISTOGRAM_NOTE,
        explainedShare: judged.explainedShare,
        sitesJudged: judged.sitesJudged,
        sites: judged.sites.map((site) => {
          const counts = instances.get(site.label) ?? [];
          return { ...site, liveCount: counts.at(-1) ?? 0, instancesPerOp: instancesPerOp(report.cycles, counts) };
        }),
      },
    };
  });
}
