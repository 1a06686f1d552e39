import type { ChalkInstance } from 'chalk';
import { formatAmount, formatPerOp } from '../../core/format.js';
import type { Verdict } from '../../core/verdict-types.js';
import type { MetricReport, RunReport, ScenarioReport } from '../../core/report-model.js';

// The self-check in every format: mqleak's own processes, judged like the broker. The figures come
// from the report's `self*` fields; a scenario without them (an older report) renders nothing.

const LABEL: Record<Verdict, string> = { pass: 'PASS', leak: 'LEAK', inconclusive: 'INCONCLUSIVE' };

/** The scenario as its self series: mqleak's samples, floors and metrics in place of the broker's, for charts. */
export function selfView(scenario: ScenarioReport): ScenarioReport | null {
  if (scenario.selfVerdict === undefined || scenario.selfMetrics === undefined) return null;
  return {
    ...scenario,
    name: `${scenario.name} (mqleak itself)`,
    verdict: scenario.selfVerdict,
    metrics: scenario.selfMetrics,
    issues: scenario.selfIssues ?? [],
    samples: scenario.selfSamples ?? [],
    cycles: scenario.cycles.map((cycle) => ({
      ...cycle,
      floors: cycle.selfFloors ?? {},
      gcForced: cycle.selfGcForced ?? false,
    })),
  };
}

function growth(metric: MetricReport): string {
  if (metric.perOp === null)
    return metric.verdict === 'pass' && metric.kind === 'count' ? 'back to its level' : 'no slope';
  const interval =
    metric.ci === null
      ? ''
      : ` [${formatAmount(metric.ci[0], metric.unit)}, ${formatAmount(metric.ci[1], metric.unit)}]`;
  return `${formatPerOp(metric.perOp, metric.unit)}${interval}`;
}

/** One metric in a few words: `rss PASS +12 B/op [-40 B, 60 B]`. */
export function selfMetricSummary(metric: MetricReport): string {
  return `${metric.name} ${LABEL[metric.verdict]} ${growth(metric)}`;
}

/** What a self LEAK means, in one sentence (the table, HTML and JUnit say the same). */
export const SELF_LEAK_MEANING =
  "mqleak's own processes grew with the operations: the generator leaked. The broker's " +
  "verdict is read from the broker's process and stands, but report it to mqleak.";

/** The table's lines for one scenario: one summary line, the reasons of what did not pass. */
export function selfLines(scenario: ScenarioReport, style: ChalkInstance): string[] {
  const verdict = scenario.selfVerdict;
  if (verdict === undefined || scenario.selfMetrics === undefined) return [];
  const painted =
    verdict === 'leak'
      ? style.red.bold(LABEL[verdict])
      : verdict === 'inconclusive'
        ? style.yellow(LABEL[verdict])
        : style.green(LABEL[verdict]);
  const lines = [
    `  self (mqleak's own memory): ${painted} — ${scenario.selfMetrics.map(selfMetricSummary).join('; ')}`,
  ];
  if (verdict === 'leak') lines.push(`    ${SELF_LEAK_MEANING}`);
  for (const metric of scenario.selfMetrics)
    if (metric.verdict === 'leak') lines.push(`    self ${metric.name}: ${metric.reason}`);
  return lines;
}

/** The run's closing self line, next to the verdict: not part of the exit code. */
export function selfRunLine(report: RunReport, style: ChalkInstance): string | null {
  if (report.selfVerdict === undefined) return null;
  const processes =
    report.selfProcesses === undefined
      ? ''
      : ` (${report.selfProcesses.maxProcesses} process${report.selfProcesses.maxProcesses === 1 ? '' : 'es'})`;
  const label = LABEL[report.selfVerdict];
  const painted =
    report.selfVerdict === 'leak'
      ? style.red.bold(label)
      : report.selfVerdict === 'inconclusive'
        ? style.yellow(label)
        : style.green(label);
  return `${style.bold('self-check')}: mqleak itself${processes} ${painted} — not part of the exit code`;
}
