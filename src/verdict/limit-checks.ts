import { formatAmount, formatNumber } from '../core/format.js';
import { ExitCode } from '../core/errors.js';
import { canonicalMetricName, METRICS } from '../core/metrics.js';
import type { ThresholdSpec } from '../core/threshold-spec.js';
import type { MetricReport, RunReport, ThresholdResult, ThresholdStat } from '../core/report-model.js';

// Checking k6-style thresholds against a finished report: pure, so `mqleak run` and `mqleak report`
// give the same answer for the same report.

export interface SourcedThreshold {
  spec: ThresholdSpec;
  source: ThresholdResult['source'];
  /** For a scenario file's limits: the scenario whose file it is. */
  scenario?: string;
}

function statValue(metric: MetricReport, stat: ThresholdStat): number | null {
  return metric[stat];
}

/**
 * The lower end of the metric's interval in the stat's unit: per-hour figures are the per-op slope times
 * a fixed rate, so the bound scales by the same factor. Null when there is no interval (soak figures
 * without one, a zero slope with a per-hour stat): the estimate is checked then.
 */
function statLowerBound(metric: MetricReport, stat: ThresholdStat, value: number): number | null {
  if (metric.ci === null) return null;
  const low = metric.ci[0];
  if (stat === 'bytesPerOp' || stat === 'perOp') return low;
  const perOp = metric.perOp;
  if (perOp === null || perOp === 0 || !Number.isFinite(perOp)) return null;
  return low * (value / perOp);
}

/** The unit a metric is measured in (`B`, `fds`), for figures of a threshold result. */
export function metricUnit(metric: string): string {
  return (
    METRICS.find((known) => known.name === canonicalMetricName(metric).replace(/^proc\[\d+\]\./, 'proc.'))?.unit ?? ''
  );
}

/** A figure with its unit, readable: `4.1 KB/op`, `17,542 MB/h`, `0.002 fds/op`. */
export function formatStat(value: number, stat: ThresholdStat, unit: string): string {
  if (stat === 'bytesPerOp') return `${formatAmount(value, 'B')}/op`;
  if (stat === 'mbPerHour') return `${formatNumber(value)} MB/h`;
  return `${formatAmount(value, unit)}${stat === 'perOp' ? '/op' : '/h'}`;
}

function checkOne(report: RunReport, entry: SourcedThreshold, scenarioName: string): ThresholdResult {
  const { spec } = entry;
  const expression = `${scenarioName}:${spec.text.replace(/^\s*(\*|[a-z0-9][a-z0-9-]*)\s*:\s*/, '')}`;
  const scenario = report.scenarios.find((candidate) => candidate.name === scenarioName);
  const metric = scenario?.metrics.find((candidate) => canonicalMetricName(candidate.name) === spec.metric);
  const base = {
    expression,
    source: entry.source,
    scenario: scenarioName,
    metric: spec.metric,
    stat: spec.stat,
    operator: spec.operator,
    limit: spec.limit,
  };
  const unit = metric?.unit ?? metricUnit(spec.metric);
  const value = metric === undefined ? null : statValue(metric, spec.stat);
  const limitText = formatStat(spec.limit, spec.stat, unit);
  if (value === null || !Number.isFinite(value)) {
    const why =
      scenario === undefined
        ? 'the scenario did not run'
        : metric === undefined
          ? `${spec.metric} was not measured`
          : `${spec.metric} has no slope (${metric.reason})`;
    return { ...base, value: null, status: 'no-data', message: `${expression}: no figure to check: ${why}` };
  }
  // A limit is broken only when the interval says so: its lower end over the limit, not the estimate alone.
  const within = (figure: number): boolean => (spec.operator === '<=' ? figure <= spec.limit : figure < spec.limit);
  const lower = statLowerBound(metric as MetricReport, spec.stat, value);
  const holds = within(lower ?? value);
  const measured = formatStat(value, spec.stat, unit);
  const interval = lower === null ? '' : ` (interval from ${formatStat(lower, spec.stat, unit)})`;
  return {
    ...base,
    value,
    ...(lower === null ? {} : { lowerBound: lower }),
    status: holds ? 'pass' : 'fail',
    message: holds
      ? within(value)
        ? `${expression}: ${spec.metric} ${measured}, within the limit ${spec.operator} ${limitText}`
        : `${expression}: ${spec.metric} ${measured}${interval}: over the limit ${spec.operator} ${limitText} ` +
          'on the estimate, but the interval reaches below it: not broken'
      : // The interval goes last: scripts read `broken: METRIC VALUE, over the limit ...` as it always was.
        `${expression} broken: ${spec.metric} ${measured}, over the limit ${spec.operator} ${limitText}${interval}`,
  };
}

/** Every threshold against every scenario it applies to (`*` or no prefix: each scenario in the report). */
export function evaluateThresholds(report: RunReport, thresholds: readonly SourcedThreshold[]): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const entry of thresholds) {
    const named = entry.scenario ?? entry.spec.scenario;
    const scenarios = named === null ? report.scenarios.map((scenario) => scenario.name) : [named];
    for (const name of scenarios) results.push(checkOne(report, entry, name));
  }
  return results;
}

/**
 * The report with its threshold results; a broken threshold makes the exit code 1 (like a LEAK)
 * unless the run already failed (3, 4) or found a leak: a gate that held is no reason to hide either.
 */
export function withThresholds(report: RunReport, results: readonly ThresholdResult[]): RunReport {
  const broken = results.some((result) => result.status === 'fail');
  const failedRun =
    report.exitCode !== ExitCode.pass && report.exitCode !== ExitCode.inconclusive && report.exitCode !== ExitCode.leak;
  const exitCode = broken && !failedRun ? ExitCode.leak : report.exitCode;
  return { ...report, thresholds: [...results], exitCode };
}
