import { formatAmount, formatNumber, formatPerOp } from '../../core/format.js';
import type { MetricReport, RunReport, ScenarioReport, ThresholdResult } from '../../core/report-model.js';
import { SELF_LEAK_MEANING, selfMetricSummary } from '../terminal/self.js';
import { xmlAttr, xmlText } from './xml.js';

// JUnit XML for CI dashboards (Jenkins, GitLab, GitHub test reporters): one <testsuite> per scenario,
// one <testcase> per scenario × metric (classname = scenario, name = metric).
//   LEAK          → <failure type="LEAK" message="reason">
//   INCONCLUSIVE  → <skipped message="INCONCLUSIVE: reason">: not a failure (the exit code, 2, says
//                   whether the job should fail on it), but never shown as a pass either
//   PASS          → a plain testcase
//   a failed run  → <error> (on the scenario that failed, or a `run` case when none ran)
// Thresholds get a suite of their own: one case per threshold, a <failure> when broken.

const SECONDS = 1000;

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / SECONDS).toFixed(3);
}

function countsAttrs(counts: Counts): string {
  return `tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}"`;
}

function figures(metric: MetricReport, scenario: ScenarioReport): string {
  const lines = [`verdict: ${metric.verdict.toUpperCase()} (${metric.reasonCode})`, `reason: ${metric.reason}`];
  if (metric.perOp !== null) {
    const interval =
      metric.ci === null
        ? ''
        : ` [${formatAmount(metric.ci[0], metric.unit)}, ${formatAmount(metric.ci[1], metric.unit)}]`;
    lines.push(`growth: ${formatPerOp(metric.perOp, metric.unit)}${interval} per ${scenario.operation}`);
  }
  if (metric.mbPerHour !== null)
    lines.push(
      `per hour: ${formatNumber(metric.mbPerHour)} MB/h at ` +
        `${formatNumber(scenario.opsPerSecond ?? 0)} ${scenario.operation}s/s`,
    );
  lines.push(`threshold δ: ${formatPerOp(metric.thresholdPerOp, metric.unit)}; cycles judged: ${metric.cyclesUsed}`);
  return lines.join('\n');
}

function metricCase(scenario: ScenarioReport, metric: MetricReport, counts: Counts): string {
  counts.tests++;
  const open = `    <testcase classname="${xmlAttr(scenario.name)}" name="${xmlAttr(metric.name)}">`;
  const out = `      <system-out>${xmlText(figures(metric, scenario))}</system-out>`;
  if (metric.verdict === 'leak') {
    counts.failures++;
    const text = xmlText(figures(metric, scenario));
    const failure = `<failure type="LEAK" message="${xmlAttr(metric.reason)}">${text}</failure>`;
    return `${open}\n      ${failure}\n    </testcase>`;
  }
  if (metric.verdict === 'inconclusive') {
    counts.skipped++;
    const skipped = `<skipped message="${xmlAttr(`INCONCLUSIVE (${metric.reasonCode}): ${metric.reason}`)}"/>`;
    return `${open}\n      ${skipped}\n${out}\n    </testcase>`;
  }
  return `${open}\n${out}\n    </testcase>`;
}

/**
 * The self-check as one more case of the scenario (name `self`): mqleak's own processes. A self LEAK is a
 * <failure type="SELF-LEAK"> so a dashboard shows it, though the exit code leaves it out.
 */
function selfCase(scenario: ScenarioReport, counts: Counts): string | null {
  const verdict = scenario.selfVerdict;
  if (verdict === undefined || scenario.selfMetrics === undefined) return null;
  counts.tests++;
  const text = [
    `mqleak's own processes: ${verdict.toUpperCase()}`,
    ...scenario.selfMetrics.map((metric) => `${selfMetricSummary(metric)} — ${metric.reason}`),
  ].join('\n');
  const open = `    <testcase classname="${xmlAttr(scenario.name)}" name="self">`;
  if (verdict === 'leak') {
    counts.failures++;
    return (
      `${open}\n      <failure type="SELF-LEAK" ` +
      `message="${xmlAttr(SELF_LEAK_MEANING)}">${xmlText(text)}</failure>\n    </testcase>`
    );
  }
  const skipped =
    verdict === 'inconclusive'
      ? `\n      <skipped message="${xmlAttr("INCONCLUSIVE: mqleak's own memory could not be settled")}"/>`
      : '';
  if (verdict === 'inconclusive') counts.skipped++;
  return `${open}${skipped}\n      <system-out>${xmlText(text)}</system-out>\n    </testcase>`;
}

function errorCase(classname: string, message: string, kind: string, counts: Counts): string {
  counts.tests++;
  counts.errors++;
  return (
    `    <testcase classname="${xmlAttr(classname)}" name="run">\n      <error ` +
    `type="${xmlAttr(kind)}" message="${xmlAttr(message)}">${xmlText(message)}</error>\n    ` +
    `</testcase>`
  );
}

function properties(scenario: ScenarioReport): string {
  const entries: [string, string][] = [
    ['verdict', scenario.verdict],
    ['pattern', scenario.pattern],
    ['operations', String(scenario.operations)],
    ...Object.entries(scenario.parameters).map(([key, value]): [string, string] => [`parameter.${key}`, String(value)]),
  ];
  const properties = entries.map(
    ([name, value]) => `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`,
  );
  return `    <properties>\n${properties.join('\n')}\n    </properties>`;
}

function scenarioSuite(report: RunReport, scenario: ScenarioReport, total: Counts): string {
  const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const cases = scenario.metrics.map((metric) => metricCase(scenario, metric, counts));
  const self = selfCase(scenario, counts);
  if (self !== null) cases.push(self);
  if (scenario.error !== null)
    cases.push(errorCase(scenario.name, scenario.error, report.error?.kind ?? 'error', counts));
  addCounts(total, counts);
  const timestamp = new Date(Date.parse(report.startedAt) + scenario.startMs).toISOString().replace(/\.\d+Z$/, '');
  return [
    `  <testsuite name="${xmlAttr(scenario.name)}" ${countsAttrs(counts)} ` +
      `time="${seconds(scenario.endMs - scenario.startMs)}" timestamp="${timestamp}">`,
    properties(scenario),
    ...cases,
    '  </testsuite>',
  ].join('\n');
}

function thresholdCase(result: ThresholdResult, counts: Counts): string {
  counts.tests++;
  const open = `    <testcase classname="thresholds" name="${xmlAttr(result.expression)}">`;
  if (result.status === 'fail') {
    counts.failures++;
    return (
      `${open}\n      <failure type="threshold" ` +
      `message="${xmlAttr(result.message)}">${xmlText(result.message)}</failure>\n    ` +
      `</testcase>`
    );
  }
  if (result.status === 'no-data') {
    counts.skipped++;
    return `${open}\n      <skipped message="${xmlAttr(result.message)}"/>\n    </testcase>`;
  }
  return `${open}\n      <system-out>${xmlText(result.message)}</system-out>\n    </testcase>`;
}

function addCounts(total: Counts, counts: Counts): void {
  total.tests += counts.tests;
  total.failures += counts.failures;
  total.errors += counts.errors;
  total.skipped += counts.skipped;
}

export function renderJunit(report: RunReport): string {
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const suites = report.scenarios.map((scenario) => scenarioSuite(report, scenario, total));
  // A run that failed outside any scenario (target unreachable, bad spawn) still shows as an error.
  if (report.error !== null && !report.scenarios.some((scenario) => scenario.error !== null)) {
    const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    const message = `${report.error.message}${report.error.hint === null ? '' : ` (hint: ${report.error.hint})`}`;
    const testcase = errorCase('mqleak', message, report.error.kind, counts);
    addCounts(total, counts);
    suites.push(`  <testsuite name="mqleak" ${countsAttrs(counts)} time="0">\n${testcase}\n  </testsuite>`);
  }
  const thresholds = report.thresholds ?? [];
  if (thresholds.length > 0) {
    const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    const cases = thresholds.map((result) => thresholdCase(result, counts));
    addCounts(total, counts);
    suites.push(`  <testsuite name="thresholds" ${countsAttrs(counts)} time="0">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mqleak" ${countsAttrs(total)} time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
