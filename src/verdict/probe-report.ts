import type { DataIssue } from '../analysis/index.js';
import type { ProbeReport } from '../core/report-model.js';
import type { ProbeStatsEntry } from '../core/probe-stats.js';

/** What each probe read and what it missed, for the report's `probes[]`: no failure is swallowed. */
export function probeReports(entries: readonly ProbeStatsEntry[]): ProbeReport[] {
  return entries.map(({ probe, stats }) => ({
    id: probe.id,
    kind: probe.kind,
    source: probe.source,
    metrics: probe.metrics.map((metric) => metric.name),
    ticks: stats.ticks,
    readings: stats.readings,
    failures: stats.failures,
    timeouts: stats.timeouts,
    skipped: stats.skipped,
    lastError: stats.lastError?.message ?? null,
    lastErrorMs: stats.lastError?.atMs ?? null,
  }));
}

/**
 * Per metric: the failures of the probe behind it, as a data issue of its series. Missing readings
 * already leave floors empty, which the verdict counts (too many → INCONCLUSIVE `data`); this says why.
 */
export function probeIssues(entries: readonly ProbeStatsEntry[]): (metric: string) => DataIssue[] {
  const byMetric = new Map<string, DataIssue[]>();
  for (const { probe, stats } of entries) {
    const missed = stats.failures + stats.timeouts;
    if (missed === 0) continue;
    const issue: DataIssue = {
      code: 'missing-samples',
      detail:
        `probe ${probe.kind} (${probe.source}): ${missed} of ${stats.ticks} readings ` +
        `failed${stats.timeouts > 0 ? ` (${stats.timeouts} timed out)` : ''}; last: ` +
        `${stats.lastError?.message ?? 'unknown'}`,
    };
    for (const metric of probe.metrics) byMetric.set(metric.name, [issue]);
  }
  return (metric) => byMetric.get(metric) ?? [];
}
