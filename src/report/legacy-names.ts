import { canonicalMetricName } from '../core/metrics.js';
import type { RunReport } from '../core/report-model.js';

// Reports written before probes named the /proc figures bare (`rss`, `fds`); since, every metric is
// namespaced by its probe (`proc.rss`). Reading an older report renames them, so `mqleak compare`
// lines an old report up with a new one and `mqleak report --threshold proc.rss<=…` finds the figure.

function renameKeys<T>(values: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [canonicalMetricName(name), value]));
}

/** The report with every bare /proc metric name namespaced; reports already namespaced come back unchanged. */
export function withNamespacedMetrics(report: RunReport): RunReport {
  return {
    ...report,
    scenarios: report.scenarios.map((scenario) => ({
      ...scenario,
      thresholds: renameKeys(scenario.thresholds),
      metrics: scenario.metrics.map((metric) => ({ ...metric, name: canonicalMetricName(metric.name) })),
      cycles: scenario.cycles.map((cycle) => ({ ...cycle, floors: renameKeys(cycle.floors) })),
      samples: scenario.samples.map((sample) => renameKeys(sample) as typeof sample),
    })),
    ...(report.thresholds === undefined
      ? {}
      : { thresholds: report.thresholds.map((result) => ({ ...result, metric: canonicalMetricName(result.metric) })) }),
  };
}
