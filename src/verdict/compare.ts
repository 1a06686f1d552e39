import { formatAmount, formatPerOp } from '../core/format.js';
import type { Verdict } from '../core/verdict-types.js';
import type { MetricReport, RunReport, ScenarioReport } from '../core/report-model.js';
import { compareSites, type SiteChange } from './compare-sites.js';

// Two reports of the same scenarios (a release and the next, main and a branch): did a metric get
// worse beyond what the runs can tell apart? Pure: `mqleak compare` renders and exits on this.

export type CompareResult = 'regression' | 'improvement' | 'unchanged' | 'no-data' | 'only-base' | 'only-new';

export interface MetricSide {
  verdict: Verdict;
  perOp: number | null;
  ci: [number, number] | null;
  bytesPerOp: number | null;
  mbPerHour: number | null;
  thresholdPerOp: number;
}

export interface CompareRow {
  scenario: string;
  metric: string;
  unit: string;
  base: MetricSide | null;
  new: MetricSide | null;
  /** new − base estimate, in the metric's unit per operation. */
  change: number | null;
  result: CompareResult;
  /** Why, in words. */
  reason: string;
}

export interface ReportSummary {
  file: string;
  startedAt: string;
  version: string;
  verdict: string;
  quick: boolean;
}

export interface Comparison {
  base: ReportSummary;
  new: ReportSummary;
  rows: CompareRow[];
  regressions: number;
  improvements: number;
  /** Differences that make the two runs less comparable (parameters, quick, thresholds, machine). */
  notes: string[];
  /** Attribution sites (`--attribute`) that are new in NEW or grew beyond BASE's interval; empty without attribution. */
  sites: SiteChange[];
}

function side(metric: MetricReport): MetricSide {
  return {
    verdict: metric.verdict,
    perOp: metric.perOp,
    ci: metric.ci,
    bytesPerOp: metric.bytesPerOp,
    mbPerHour: metric.mbPerHour,
    thresholdPerOp: metric.thresholdPerOp,
  };
}

function interval(ci: [number, number], unit: string): string {
  return `[${formatAmount(ci[0], unit)}, ${formatAmount(ci[1], unit)}]`;
}

/**
 * Regression: NEW leaks where BASE did not, or NEW's whole interval lies above BASE's and above
 * NEW's threshold δ (worse by more than either run's noise, and by an amount that matters).
 * Improvement is the mirror image. Anything else is within what the two runs can tell apart.
 */
export function compareMetric(
  scenario: string,
  base: MetricReport | undefined,
  next: MetricReport | undefined,
): CompareRow {
  const unit = next?.unit ?? base?.unit ?? '';
  const metric = next?.name ?? base?.name ?? '';
  const row = {
    scenario,
    metric,
    unit,
    base: base === undefined ? null : side(base),
    new: next === undefined ? null : side(next),
  };
  if (base === undefined || next === undefined) {
    const result: CompareResult = base === undefined ? 'only-new' : 'only-base';
    return {
      ...row,
      change: null,
      result,
      reason: result === 'only-new' ? 'not measured in BASE' : 'not measured in NEW',
    };
  }
  const change = base.perOp !== null && next.perOp !== null ? next.perOp - base.perOp : null;
  if (next.verdict === 'leak' && base.verdict !== 'leak') {
    return { ...row, change, result: 'regression', reason: `NEW is LEAK, BASE was ${base.verdict.toUpperCase()}` };
  }
  if (base.verdict === 'leak' && next.verdict !== 'leak') {
    return { ...row, change, result: 'improvement', reason: `BASE was LEAK, NEW is ${next.verdict.toUpperCase()}` };
  }
  if (base.ci === null || next.ci === null) {
    return {
      ...row,
      change,
      result: 'no-data',
      reason: `no interval in ${base.ci === null ? 'BASE' : 'NEW'}: nothing to compare`,
    };
  }
  if (next.ci[0] > base.ci[1] && next.ci[0] > next.thresholdPerOp) {
    return {
      ...row,
      change,
      result: 'regression',
      reason:
        `NEW ${interval(next.ci, unit)} lies above BASE ${interval(base.ci, unit)} and above ` +
        `δ ${formatPerOp(next.thresholdPerOp, unit)}`,
    };
  }
  if (base.ci[0] > next.ci[1] && base.ci[0] > base.thresholdPerOp) {
    return {
      ...row,
      change,
      result: 'improvement',
      reason: `NEW ${interval(next.ci, unit)} lies below BASE ${interval(base.ci, unit)}`,
    };
  }
  return { ...row, change, result: 'unchanged', reason: 'the intervals overlap, or the difference stays below δ' };
}

function summary(report: RunReport, file: string): ReportSummary {
  return {
    file,
    startedAt: report.startedAt,
    version: report.tool.version,
    verdict: report.verdict,
    quick: report.settings.quick,
  };
}

function parameterNotes(base: ScenarioReport, next: ScenarioReport): string[] {
  const notes: string[] = [];
  const keys = new Set([...Object.keys(base.parameters), ...Object.keys(next.parameters)]);
  const changed = [...keys]
    .filter((key) => base.parameters[key] !== next.parameters[key])
    .map((key) => `${key} ${String(base.parameters[key] ?? '—')} → ${String(next.parameters[key] ?? '—')}`);
  if (changed.length > 0) notes.push(`${next.name}: parameters differ: ${changed.join(', ')}`);
  const deltas = new Set([...Object.keys(base.thresholds), ...Object.keys(next.thresholds)]);
  const changedDeltas = [...deltas]
    .filter((key) => base.thresholds[key] !== next.thresholds[key])
    .map((key) => `${key} ${base.thresholds[key] ?? '—'} → ${next.thresholds[key] ?? '—'}`);
  if (changedDeltas.length > 0) notes.push(`${next.name}: thresholds δ differ: ${changedDeltas.join(', ')}`);
  // A soak's window floors and a cycle run's settle floors are different measurements of the same slope.
  const baseMode = base.mode ?? 'cycles';
  const nextMode = next.mode ?? 'cycles';
  if (baseMode !== nextMode)
    notes.push(`${next.name}: run model differs: ${baseMode} → ${nextMode} (soak floors are window minima under load)`);
  return notes;
}

export function compareReports(base: RunReport, next: RunReport, files: { base: string; new: string }): Comparison {
  const rows: CompareRow[] = [];
  const notes: string[] = [];
  const sites: SiteChange[] = [];
  const names = [...new Set([...base.scenarios.map((s) => s.name), ...next.scenarios.map((s) => s.name)])];
  for (const name of names) {
    const b = base.scenarios.find((scenario) => scenario.name === name);
    const n = next.scenarios.find((scenario) => scenario.name === name);
    if (b !== undefined && n !== undefined) notes.push(...parameterNotes(b, n));
    if (n !== undefined) sites.push(...compareSites(b, n));
    if (b === undefined) notes.push(`${name}: only in NEW`);
    if (n === undefined) notes.push(`${name}: only in BASE`);
    const metrics = [...new Set([...(b?.metrics ?? []).map((m) => m.name), ...(n?.metrics ?? []).map((m) => m.name)])];
    for (const metric of metrics) {
      rows.push(
        compareMetric(
          name,
          b?.metrics.find((m) => m.name === metric),
          n?.metrics.find((m) => m.name === metric),
        ),
      );
    }
  }
  if (base.settings.quick !== next.settings.quick) notes.push(`one run is --quick, the other is not`);
  const baseEnv = base.environment;
  const nextEnv = next.environment;
  if (
    baseEnv !== undefined &&
    nextEnv !== undefined &&
    (baseEnv.cpuModel !== nextEnv.cpuModel || baseEnv.cpus !== nextEnv.cpus)
  ) {
    notes.push(`different machines: ${baseEnv.cpus} × ${baseEnv.cpuModel} → ${nextEnv.cpus} × ${nextEnv.cpuModel}`);
  }
  return {
    base: summary(base, files.base),
    new: summary(next, files.new),
    rows,
    regressions: rows.filter((row) => row.result === 'regression').length,
    improvements: rows.filter((row) => row.result === 'improvement').length,
    notes,
    sites,
  };
}
