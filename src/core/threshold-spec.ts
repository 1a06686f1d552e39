import { usageError } from './errors.js';
import type { ThresholdStat } from './report-model.js';
import { canonicalMetricName, METRICS, type MetricInfo } from './metrics.js';
import { GIB, MIB } from './units.js';

// k6-style thresholds: a limit on a figure of the results, checked after the run. The same words on
// the command line (`--threshold connect-churn:rss<=64B/op`) and in a scenario file (`limits:`).
// Not the growth threshold δ of the verdict (`thresholds:`, `--set thresholds.rss=128`): δ decides
// LEAK/PASS with the interval; a limit is a plain gate on the estimate.

export interface ThresholdSpec {
  /** As written. */
  text: string;
  /** The scenario it applies to; null for every scenario of the run (`*:` or no prefix). */
  scenario: string | null;
  metric: string;
  operator: '<=' | '<';
  stat: ThresholdStat;
  /** In the stat's unit: bytes per op, MB (2^20 bytes) per hour, the metric's unit per op or per hour. */
  limit: number;
}

export const THRESHOLD_FORM = '[SCENARIO|*:]METRIC<=NUMBER UNIT/op or /h';
export const THRESHOLD_EXAMPLES = "e.g. connect-churn:rss<=64B/op, '*:rssAnon<=10MB/h', fds<=0.001/op";

const EXPRESSION =
  /^\s*(?:(?<scope>\*|[a-z0-9][a-z0-9-]*)\s*:\s*)?(?<metric>[A-Za-z][A-Za-z0-9_]*(?:\[\d+\])?(?:\.[A-Za-z][A-Za-z0-9_]*)?)\s*(?<operator><=|<)\s*(?<number>\d+(?:\.\d+)?|\.\d+)\s*(?<unit>[A-Za-z]*)\s*\/\s*(?<per>op|h)\s*$/;
/** Binary multiples, as the reports print them (`1.5 KB` is 1536 bytes). */
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: MIB,
  mib: MIB,
  gb: GIB,
  gib: GIB,
};

/** Namespaces of the probes' metrics, whose names are only known once the probes are built. */
const PROBE_METRIC = /^(?:sys|http|cgroup|cmd|proc\[\d+\])\./;

/**
 * The metric a threshold names: a proc metric (bare names of older reports: `rss` → `proc.rss`), or
 * another probe's, whose kind is taken from the unit given (a byte unit: bytes; else a count).
 */
function thresholdMetric(name: string, unitText: string): MetricInfo | undefined {
  const canonical = canonicalMetricName(name);
  const known = METRICS.find((entry) => entry.judged && entry.name === canonical.replace(/^proc\[\d+\]\./, 'proc.'));
  if (known !== undefined) return { ...known, name: canonical };
  if (!PROBE_METRIC.test(canonical)) return undefined;
  const bytes = BYTE_UNITS[unitText.toLowerCase()] !== undefined;
  return {
    name: canonical,
    kind: bytes ? 'bytes' : 'count',
    unit: bytes ? 'B' : unitText,
    judged: true,
    description: '',
  };
}

/**
 * Parses one threshold. `where` names its origin for the error (`--threshold X`, `file.yaml: limits[0]`).
 * `allowScenario` is false in a scenario file, whose limits are its own.
 */
export function parseThresholdSpec(text: string, where: string, allowScenario = true): ThresholdSpec {
  const fail = (why: string): never => {
    throw usageError(`${where}: ${why}`, `the form is ${THRESHOLD_FORM}, ${THRESHOLD_EXAMPLES}`);
  };
  const groups = EXPRESSION.exec(text)?.groups;
  if (groups === undefined) return fail(`expected ${THRESHOLD_FORM}`);
  const { scope, metric: metricName = '', number = '', unit: unitText = '' } = groups;
  const operator = groups.operator === '<' ? '<' : '<=';
  const per = groups.per === 'h' ? 'h' : 'op';
  if (scope !== undefined && !allowScenario)
    fail(`a scenario file's limits apply to its own scenario: drop '${scope}:'`);
  const metric = thresholdMetric(metricName, unitText);
  if (metric === undefined) {
    return fail(
      `no metric '${metricName}' (known: ${METRICS.filter((entry) => entry.judged)
        .map((entry) => entry.name)
        .join(', ')}, and sys.*, http.*, cgroup.*, cmd.*, proc[PID].* of the --probe given)`,
    );
  }
  const unit = unitText.toLowerCase();
  const value = Number(number);
  let stat: ThresholdStat;
  let limit: number;
  const byteFactor = BYTE_UNITS[unit];
  if (metric.kind === 'bytes' && byteFactor !== undefined) {
    stat = per === 'op' ? 'bytesPerOp' : 'mbPerHour';
    limit = per === 'op' ? value * byteFactor : (value * byteFactor) / MIB;
  } else if (unit === '' || unit === metric.unit.toLowerCase()) {
    stat = per === 'op' ? 'perOp' : 'perHour';
    limit = value;
  } else {
    const accepted = metric.kind === 'bytes' ? 'B, KB, MB or GB' : `${metric.unit} or no unit`;
    return fail(`${metricName} is measured in ${metric.unit}: '${unitText}' does not fit (use ${accepted})`);
  }
  return {
    text: text.trim(),
    scenario: scope === undefined || scope === '*' ? null : scope,
    metric: metric.name,
    operator,
    stat,
    limit,
  };
}
