import Table from 'cli-table3';
import { probeLines } from './probes.js';
import type { ChalkInstance } from 'chalk';
import { formatAmount, formatNumber, formatPerOp } from '../../core/format.js';
import { soakLine } from './soak.js';
import type { MetricReport, RunReport, RunVerdict, ScenarioReport } from '../../core/report-model.js';
import { attributionLines } from './attribution.js';
import { bridgeLines } from './bridge.js';
import { protocolFactLines } from './facts.js';
import { familyLines } from './families.js';
import { preflightLines, scenarioLimitLines } from './resource-limits.js';
import { selfLines, selfRunLine } from './self.js';
import { thresholdLines, thresholdVerdictNote } from './threshold-lines.js';
import { transportLine } from './transport.js';

// The terminal summary: one row per scenario × metric, the reasons in plain words below each scenario.

const VERDICT_LABEL: Record<RunVerdict, string> = {
  pass: 'PASS',
  leak: 'LEAK',
  inconclusive: 'INCONCLUSIVE',
  error: 'ERROR',
};

function paint(style: ChalkInstance, verdict: RunVerdict, text: string): string {
  if (verdict === 'leak' || verdict === 'error') return style.red.bold(text);
  if (verdict === 'inconclusive') return style.yellow(text);
  return style.green(text);
}

function slopeCell(metric: MetricReport): string {
  if (metric.perOp === null) return '—';
  const interval =
    metric.ci === null
      ? ''
      : ` [${formatAmount(metric.ci[0], metric.unit)}, ${formatAmount(metric.ci[1], metric.unit)}]`;
  return `${formatPerOp(metric.perOp, metric.unit)}${interval}`;
}

function perHourCell(metric: MetricReport): string {
  if (metric.mbPerHour !== null) return `${formatNumber(metric.mbPerHour)} MB/h`;
  if (metric.perHour !== null) return `${formatAmount(metric.perHour, metric.unit)}/h`;
  return '—';
}

function scenarioLine(scenario: ScenarioReport, style: ChalkInstance): string {
  const rate =
    scenario.opsPerSecond === null ? '' : `, ${formatNumber(scenario.opsPerSecond)} ${scenario.operation}s/s`;
  const failures = scenario.failures > 0 ? `, ${scenario.failures} failed` : '';
  return (
    `${style.bold(scenario.name)}: ${paint(style, scenario.verdict, VERDICT_LABEL[scenario.verdict])} ` +
    `— ${scenario.operations} ${scenario.operation}s${rate}${failures},` +
    ` ${formatNumber((scenario.endMs - scenario.startMs) / 1000)} s${decisionText(scenario)}`
  );
}

/** The smallest leak the run could have called LEAK (sensitivityPerOp); older reports: the interval's half-width. */
function sensitivityCell(metric: ScenarioReport['metrics'][number]): string {
  if (metric.sensitivityPerOp !== undefined && metric.sensitivityPerOp !== null)
    return formatPerOp(metric.sensitivityPerOp, metric.unit);
  return metric.minDetectablePerOp === null ? '—' : `±${formatPerOp(metric.minDetectablePerOp, metric.unit)}`;
}

/** Adaptive length: when the scenario was decided, or why it stopped undecided. */
function decisionText(scenario: ScenarioReport): string {
  const d = scenario.decision;
  if (d === undefined) return '';
  const cycles = `${d.measuredCycles} of at most ${d.capCycles} measured cycles`;
  if (d.stopReason === 'decided' && d.timeToDecisionMs !== null)
    return `, decided in ${formatNumber(d.timeToDecisionMs / 1000)} s (${cycles}, look ${d.look} of ${d.looks})`;
  if (d.stopReason === 'cap') return `, undecided at the cap (${cycles})`;
  return `, stopped (${d.stopReason}) after ${cycles}`;
}

export function renderTable(report: RunReport, style: ChalkInstance, width: number): string {
  const lines: string[] = [];
  if (report.target !== null)
    lines.push(`target: ${report.target.description}${report.target.gcForced ? ' (GC forced before each floor)' : ''}`);
  const transport = transportLine(report.target?.transport);
  if (transport !== null) lines.push(`transport: ${transport}`);
  for (const line of preflightLines(report, style)) lines.push(wrap(line, width, '  '));
  for (const line of probeLines(report, style)) lines.push(wrap(line, width, '  '));
  const table = new Table({
    head: ['scenario', 'metric', 'verdict', 'growth per op [interval]', 'per hour', 'smallest LEAK'],
    style: { head: [], border: [] },
    wordWrap: true,
  });
  for (const scenario of report.scenarios) {
    for (const metric of scenario.metrics) {
      table.push([
        scenario.name,
        metric.name,
        paint(style, metric.verdict, VERDICT_LABEL[metric.verdict]),
        slopeCell(metric),
        perHourCell(metric),
        sensitivityCell(metric),
      ]);
    }
  }
  if (report.scenarios.some((scenario) => scenario.metrics.length > 0)) lines.push(table.toString());
  for (const scenario of report.scenarios) {
    lines.push('', scenarioLine(scenario, style));
    const soak = soakLine(scenario);
    if (soak !== null) lines.push(wrap(`  ${soak}`, width, '    '));
    for (const metric of scenario.metrics) {
      if (metric.verdict !== 'pass') lines.push(wrap(`  ${metric.name}: ${metric.reason}`, width, '    '));
    }
    for (const issue of scenario.issues) lines.push(wrap(`  data: ${issue.detail}`, width, '    '));
    for (const line of familyLines(scenario, style)) lines.push(wrap(line, width, '      '));
    for (const line of protocolFactLines(scenario, style)) lines.push(wrap(line, width, '    '));
    for (const line of scenarioLimitLines(scenario, style)) lines.push(wrap(line, width, '    '));
    for (const line of bridgeLines(scenario)) lines.push(wrap(line, width, '    '));
    for (const line of attributionLines(scenario, style)) lines.push(wrap(line, width, '           '));
    for (const line of selfLines(scenario, style)) lines.push(wrap(line, width, '    '));
    if (scenario.error !== null) lines.push(wrap(`  ${style.red('stopped')}: ${scenario.error}`, width, '    '));
  }
  lines.push(...thresholdLines(report, style));
  const self = selfRunLine(report, style);
  if (self !== null) lines.push('', self);
  lines.push(
    '',
    `${style.bold('verdict')}: ${paint(style, report.verdict, VERDICT_LABEL[report.verdict])} ` +
      `(exit ${report.exitCode})${thresholdVerdictNote(report, style)}` +
      (report.interrupted
        ? ` — interrupted${report.interruptedBy === undefined ? '' : ` by ${report.interruptedBy}`}`
        : ''),
  );
  return `${lines.join('\n')}\n`;
}

/** Wraps at spaces to the terminal width, keeping the first line's own indent and `indent` after it. */
function wrap(text: string, width: number, indent: string): string {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const out: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    if (line.trim() !== '' && line.length + word.length + 1 > width) {
      out.push(line);
      line = indent + word;
    } else {
      line = line.trim() === '' ? line + word : `${line} ${word}`;
    }
  }
  if (line.trim() !== '') out.push(line);
  return out.join('\n');
}
