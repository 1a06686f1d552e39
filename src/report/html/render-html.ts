import { formatAmount, formatBytes, formatNumber, formatPerOp } from '../../core/format.js';
import { cyclesWord, soakLine } from '../terminal/soak.js';
import { ATTRIBUTION_STYLES, attributionSection } from './attribution.js';
import { metricChart } from './chart.js';
import { html, slug } from './escape.js';
import { probesTable } from './probes.js';
import { familiesSection, familyLeakHeadline, narrowingSection } from './families.js';
import { agentsTable } from './agents.js';
import { STYLES } from './styles.js';
import type { MetricReport, RunReport, RunVerdict, ScenarioReport, ThresholdResult } from '../../core/report-model.js';
import { formatStat, metricUnit } from '../../verdict/limit-checks.js';
import { SELF_LEAK_MEANING, selfView } from '../terminal/self.js';
import { transportLine } from '../terminal/transport.js';
import { MIB } from '../../core/units.js';

// The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched) that a
// person opens from a CI artifact. What they see first: the overall verdict in one sentence, then a
// table of every scenario × metric, then per scenario a chart of each metric over time.

const VERDICT_LABEL: Record<RunVerdict, string> = {
  pass: 'PASS',
  leak: 'LEAK',
  inconclusive: 'INCONCLUSIVE',
  error: 'ERROR',
};

function chip(verdict: string, label?: string): string {
  return (
    `<span class="verdict ` +
    `v-${html(verdict)}">${html(label ?? VERDICT_LABEL[verdict as RunVerdict] ?? verdict.toUpperCase())}</span>`
  );
}

function perHour(metric: MetricReport): string {
  if (metric.mbPerHour !== null) return `${formatBytes(metric.mbPerHour * MIB)}/h`;
  if (metric.perHour !== null) return `${formatAmount(metric.perHour, metric.unit)}/h`;
  return '—';
}

function growth(metric: MetricReport): string {
  if (metric.perOp === null) return '—';
  const interval =
    metric.ci === null
      ? ''
      : ` [${formatAmount(metric.ci[0], metric.unit)}, ${formatAmount(metric.ci[1], metric.unit)}]`;
  return `${formatPerOp(metric.perOp, metric.unit)}${interval}`;
}

/** The verdict of one metric in one plain sentence; the analysis's reason follows it with the figures. */
export function plainWords(metric: MetricReport, operation: string): string {
  const per = (value: number): string => `${formatAmount(value, metric.unit)} per ${operation}`;
  switch (metric.verdict) {
    case 'leak':
      return metric.perOp === null
        ? `Leaks: ${metric.name} keeps growing and is not given back.`
        : `Leaks: ${metric.name} grows about ${per(metric.perOp)} and is not given back.`;
    case 'pass':
      if (metric.kind === 'count') return `No leak: ${metric.name} came back to its level after the cycles.`;
      return metric.ci === null
        ? `No leak: ${metric.name} stays below the threshold.`
        : `No leak: ${metric.name} grows at most ${per(metric.ci[1])}, below the ` +
            `${formatAmount(metric.thresholdPerOp, metric.unit)} threshold.`;
    default:
      break;
  }
  switch (metric.reasonCode) {
    case 'saturating':
      return `Probably not a leak: ${metric.name} grew, then levelled off, like a cache filling up.`;
    case 'transient':
      return `Probably not a leak: ${metric.name} grew under load but was given back in recovery.`;
    case 'step':
      return `Can't tell: ${metric.name} jumped once and was flat on both sides of the jump.`;
    case 'data':
      return `Can't judge: the measurements of ${metric.name} have problems.`;
    default:
      return metric.cyclesNeeded === null
        ? `Can't tell yet: too few cycles for this much noise.`
        : `Can't tell yet: too few cycles for this much noise; about ${metric.cyclesNeeded} ` +
            `measured cycles would settle it.`;
  }
}

function headline(report: RunReport): string {
  const all = report.scenarios.flatMap((scenario) => scenario.metrics.map((metric) => ({ scenario, metric })));
  const broken = (report.thresholds ?? []).filter((result) => result.status === 'fail').length;
  const thresholds = broken === 0 ? '' : ` ${broken} threshold${broken === 1 ? '' : 's'} broken.`;
  if (report.error !== null) return `The run failed: ${report.error.message}${thresholds}`;
  const leaks = all
    .filter(({ metric }) => metric.verdict === 'leak')
    .sort((a, b) => (b.metric.mbPerHour ?? 0) - (a.metric.mbPerHour ?? 0));
  const [worst] = leaks;
  if (worst !== undefined) {
    const { scenario, metric } = worst;
    const size =
      metric.perOp === null ? 'grows' : `grows ${formatAmount(metric.perOp, metric.unit)} per ${scenario.operation}`;
    const rate =
      metric.mbPerHour === null || scenario.opsPerSecond === null
        ? ''
        : `, about ${formatBytes(metric.mbPerHour * MIB)}/h at ` +
          `${formatNumber(scenario.opsPerSecond)} ${scenario.operation}s/s`;
    const more = leaks.length > 1 ? ` ${leaks.length} of ${all.length} metrics leak; this is the fastest.` : '';
    return `${scenario.name} leaks: ${metric.name} ${size}${rate}.${more}${thresholds}`;
  }
  const familyLeak = familyLeakHeadline(report);
  if (familyLeak !== null) return `${familyLeak}${thresholds}`;
  const open = all.filter(({ metric }) => metric.verdict === 'inconclusive').length;
  const scenarios = `${report.scenarios.length} scenario${report.scenarios.length === 1 ? '' : 's'}`;
  if (open > 0)
    return (
      `No leak found, but ${open} of ${all.length} metrics could not be settled: the charts ` +
      `below say why and what would settle them.${thresholds}`
    );
  return `No leak found: every metric of ${scenarios} stayed below its threshold.${thresholds}`;
}

function factItem(label: string, value: string): string {
  return `<div><dt>${html(label)}</dt><dd>${html(value)}</dd></div>`;
}

function facts(report: RunReport): string {
  const rows: [string, string][] = [];
  if (report.target !== null) rows.push(['target', report.target.description]);
  const transport = transportLine(report.target?.transport);
  if (transport !== null) rows.push(['transport', transport]);
  rows.push(['started', report.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')]);
  rows.push([
    'duration',
    `${formatNumber(report.durationMs / 1000)} s` +
      (report.interrupted
        ? ` (interrupted${report.interruptedBy === undefined ? '' : ` by ${report.interruptedBy}`})`
        : ''),
  ]);
  rows.push([
    'exit code',
    `${report.exitCode}${report.settings.quick ? ' · --quick run (a smoke test, not a gate)' : ''}`,
  ]);
  rows.push(['mqleak', `${report.tool.version} on Node.js ${report.tool.node}`]);
  if (report.selfVerdict !== undefined) {
    const processes =
      report.selfProcesses === undefined
        ? ''
        : ` over ${report.selfProcesses.maxProcesses} process${report.selfProcesses.maxProcesses === 1 ? '' : 'es'}`;
    rows.push([
      'self-check',
      `mqleak's own memory${processes}: ${VERDICT_LABEL[report.selfVerdict]} (not part of the exit code)`,
    ]);
  }
  if (report.environment !== undefined) {
    const env = report.environment;
    rows.push([
      'machine',
      `${env.platform} ${env.release} ${env.arch}, ${env.cpus} × ${env.cpuModel}, ${formatBytes(env.memoryBytes)}`,
    ]);
  }
  const command = report.settings.commandLine ?? report.settings.command.slice(2).join(' ');
  return [
    `<dl class="facts">${rows.map(([label, value]) => factItem(label, value)).join('')}</dl>`,
    command === ''
      ? ''
      : `<details><summary>command line (repeats this run)</summary><pre>${html(command)}</pre></details>`,
  ].join('');
}

function summaryTable(report: RunReport): string {
  const rows = report.scenarios.flatMap((scenario) =>
    scenario.metrics.map(
      (metric) =>
        `<tr class="row-${html(metric.verdict)}">` +
        `<td class="name"><a href="#${html(chartId(scenario, metric))}">${html(scenario.name)}</a></td>` +
        `<td>${html(metric.name)}</td>` +
        `<td>${chip(metric.verdict)}</td>` +
        `<td class="num">${html(growth(metric))}</td>` +
        `<td class="num">${html(perHour(metric))}</td>` +
        `<td class="num">${html(formatPerOp(metric.thresholdPerOp, metric.unit))}</td>` +
        '<td class="num">' +
        html(
          metric.sensitivityPerOp === undefined || metric.sensitivityPerOp === null
            ? '—'
            : formatPerOp(metric.sensitivityPerOp, metric.unit),
        ) +
        `</td><td>${html(metric.reasonCode)}</td></tr>`,
    ),
  );
  if (rows.length === 0) return '<p class="muted">No metric was judged.</p>';
  return (
    '<div class="table-wrap"><table><thead><tr><th>scenario</th><th>metric</th><th>verdict</th><th>growth per ' +
    'op [interval]</th><th>per hour</th><th>threshold δ</th><th>smallest ' +
    `LEAK</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

function thresholdTable(results: readonly ThresholdResult[]): string {
  if (results.length === 0) return '';
  const rows = results.map((result) => {
    const status =
      result.status === 'pass'
        ? chip('pass', 'OK')
        : result.status === 'fail'
          ? chip('fail', 'BROKEN')
          : chip('no-data', 'NO DATA');
    const unit = metricUnit(result.metric);
    const value = result.value === null ? '—' : formatStat(result.value, result.stat, unit);
    return (
      `<tr><td><code>${html(result.expression)}</code></td><td>${status}</td><td ` +
      `class="num">${html(value)}</td><td ` +
      `class="num">${html(`${result.operator} ${formatStat(result.limit, result.stat, unit)}`)}</td><td ` +
      `class="muted">${html(result.source)}</td></tr>`
    );
  });
  return (
    `<h3 style="margin-top:16px">Thresholds</h3><div ` +
    `class="table-wrap"><table><thead><tr><th>threshold</th><th>status</th>` +
    `<th>measured</th><th>limit</th><th>from</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

function chartId(scenario: ScenarioReport, metric: MetricReport): string {
  return `${slug(scenario.name)}-${slug(metric.name)}`;
}

function legend(): string {
  const swatch = (body: string): string =>
    `<svg viewBox="0 0 26 14" aria-hidden="true" class="chart-svg">${body}</svg>`;
  const items: [string, string][] = [
    [swatch('<path class="samples" d="M1 9L6 5L10 8L15 4L20 7L25 3"/>'), 'every sample of the broker process'],
    [swatch('<circle class="floor floor-judged" cx="13" cy="7" r="4"/>'), 'cycle floor, judged'],
    [swatch('<circle class="floor floor-warmup" cx="13" cy="7" r="4"/>'), 'floor of a warm-up cycle (not judged)'],
    [
      swatch('<path class="band" d="M1 12L25 1L25 6L1 13Z"/><path class="fit" d="M2 12L24 4"/>'),
      'Theil–Sen fit of the judged floors, with the interval of its slope',
    ],
    [swatch('<path class="delta" d="M1 12L25 2"/>'), 'growth at the threshold δ'],
    [swatch('<rect class="mark-baseline" x="9" y="3" width="8" height="8"/>'), 'baseline floor'],
    [swatch('<path class="mark-recovery" d="M13 1L19 7L13 13L7 7Z"/>'), 'recovery floor'],
    [
      swatch(
        '<rect class="load" x="2" y="9" width="8" height="5"/><rect class="load" x="15" y="9" width="8" height="5"/>',
      ),
      'load of a cycle',
    ],
    [
      swatch(
        '<rect class="phase-baseline" width="6.5" height="14"/><rect class="phase-warmup" ' +
          'x="6.5" width="6.5" height="14"/><rect class="phase-measured" x="13" width="6.5" ' +
          'height="14"/><rect class="phase-recovery" x="19.5" width="6.5" height="14"/>',
      ),
      'phases: baseline, warm-up, measured, recovery',
    ],
  ];
  return `<ul class="legend">${items.map(([icon, text]) => `<li>${icon}${html(text)}</li>`).join('')}</ul>`;
}

function metricFigure(scenario: ScenarioReport, metric: MetricReport): string {
  const id = chartId(scenario, metric);
  const chart = metricChart(scenario, metric, id);
  const rate = perHour(metric);
  return [
    `<figure id="${html(id)}" class="v-${html(metric.verdict)}">`,
    `<figcaption><span ` +
      `class="metric">${html(metric.name)}</span>${chip(metric.verdict)}<span ` +
      `class="figure">${html(growth(metric))}${rate === '—' ? '' : ` · ${html(rate)}`}</span></figcaption>`,
    chart.svg,
    `<p class="plain">${html(plainWords(metric, scenario.operation))}</p>`,
    `<p class="reason">${html(metric.reason)}</p>`,
    metric.floorMethod === undefined ? '' : `<p class="reason">Floors: ${html(metric.floorMethod.why)}</p>`,
    '</figure>',
  ].join('');
}

function keyValueTable(entries: [string, string][]): string {
  return (
    `<div class="table-wrap"><table><tbody>` +
    entries.map(([key, value]) => `<tr><th>${html(key)}</th><td>${html(value)}</td></tr>`).join('') +
    `</tbody></table></div>`
  );
}

function cyclesTable(scenario: ScenarioReport): string {
  const metrics = scenario.metrics.map((metric) => metric.name);
  const head = ['cycle', 'phase', 'family', 'operations', 'failed', 'load', ...metrics.map((name) => `${name} floor`)];
  const rows = scenario.cycles.map((cycle) => {
    const floors = scenario.metrics.map((metric) => {
      const value = cycle.floors[metric.name as keyof typeof cycle.floors];
      return `<td class="num">${value === undefined ? '—' : html(formatAmount(value, metric.unit))}</td>`;
    });
    return (
      `<tr><td ` +
      `class="num">${cycle.index + 1}</td><td>${cycle.warmup ? 'warm-up' : 'measured'}` +
      `${cycle.lostAgent === undefined ? '' : html(` · agent ${cycle.lostAgent} lost`)}</td>` +
      `<td>${html(cycle.variant ?? '—')}</td><td ` +
      `class="num">${formatNumber(cycle.operations)}</td><td ` +
      `class="num">${cycle.failures}</td><td ` +
      `class="num">${formatNumber((cycle.loadEndMs - cycle.startMs) / 1000)} ` +
      `s</td>${floors.join('')}</tr>`
    );
  });
  return (
    `<div ` +
    `class="table-wrap"><table><thead>` +
    `<tr>${head.map((name) => `<th>${html(name)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

/** mqleak's own processes over the scenario, charted like the broker; folded away unless they leaked. */
function selfSection(scenario: ScenarioReport): string {
  const view = selfView(scenario);
  if (view === null) return '';
  const open = view.verdict === 'leak' ? ' open' : '';
  return [
    `<details class="self"${open}><summary>mqleak itself (self-check): ${chip(view.verdict)}</summary>`,
    view.verdict === 'leak' ? `<p class="error-text">${html(SELF_LEAK_MEANING)}</p>` : '',
    ...view.issues.map((issue) => `<p class="issues">data: ${html(issue.detail)}</p>`),
    `<div class="charts">${view.metrics.map((metric) => metricFigure(view, metric)).join('')}</div>`,
    '</details>',
  ].join('');
}

function scenarioSection(scenario: ScenarioReport): string {
  const rate = scenario.opsPerSecond === null ? '' : ` at ${formatNumber(scenario.opsPerSecond)}/s`;
  const failed =
    scenario.failures > 0
      ? `, ${formatNumber(scenario.failures)} failed (${Object.entries(scenario.failureKinds)
          .map(([kind, count]) => `${kind} ${count}`)
          .join(', ')})`
      : '';
  const stats =
    `${formatNumber(scenario.operations)} ${scenario.operation}s${rate}${failed} · ` +
    `${scenario.cycles.length} ${cyclesWord(scenario)} · ` +
    `${formatNumber((scenario.endMs - scenario.startMs) / 1000)} ` +
    `s${scenario.quick ? ' · --quick' : ''}`;
  const parameters = Object.entries(scenario.parameters).map(([key, value]): [string, string] => [key, String(value)]);
  const deltas = Object.entries(scenario.thresholds).map(([metric, value]): [string, string] => [
    `δ ${metric}`,
    `${formatNumber(value)} per ${scenario.operation}`,
  ]);
  return [
    `<section class="card" id="${html(slug(scenario.name))}">`,
    `<div class="scenario-head"><h2>${html(scenario.name)}</h2>${chip(scenario.verdict)}</div>`,
    `<p class="stats">${html(scenario.description)}</p>`,
    `<p class="stats">${html(stats)}</p>`,
    soakLine(scenario) === null ? '' : `<p class="stats">${html(soakLine(scenario) ?? '')}</p>`,
    scenario.error === null ? '' : `<p class="error-text">Stopped: ${html(scenario.error)}</p>`,
    ...scenario.issues.map((issue) => `<p class="issues">data: ${html(issue.detail)}</p>`),
    ...(scenario.limits ?? []).map((limit) => `<p class="issues">limited: ${html(limit)}</p>`),
    scenario.metrics.length === 0
      ? '<p class="muted">No metric was judged.</p>'
      : `<div class="charts">${scenario.metrics.map((metric) => metricFigure(scenario, metric)).join('')}</div>`,
    attributionSection(scenario),
    narrowingSection(scenario, (verdict) => chip(verdict)),
    familiesSection(scenario, (verdict) => chip(verdict)),
    `<details><summary>parameters (${html(scenario.source)}, pattern ` +
      `${html(scenario.pattern)})</summary>${keyValueTable([...parameters, ...deltas])}</details>`,
    `<details><summary>${cyclesWord(scenario)} and their floors</summary>${cyclesTable(scenario)}</details>`,
    agentsTable(scenario),
    selfSection(scenario),
    '</section>',
  ].join('');
}

/** What the charts show, under "Reading the charts". */
const READING_THE_CHARTS =
  'Each chart is one metric of the broker process over the scenario. A cycle runs its operations (the dark strip ' +
  "at the bottom), then lets the broker idle; the cycle's <b>floor</b> is the low value at the end of that idle " +
  'time. The verdict is the slope of the judged floors against the operations done: a leak is a fitted line that ' +
  'climbs faster than the threshold δ, keeps climbing in the second half, and is not given back in recovery.';

export function renderHtml(report: RunReport): string {
  const verdict = report.verdict;
  const title =
    `mqleak ${VERDICT_LABEL[verdict]} · ` +
    `${report.scenarios.map((scenario) => scenario.name).join(', ') || 'no scenario'} · ` +
    `${report.startedAt.slice(0, 16).replace('T', ' ')}`;
  // The headline already says what failed: the hint says what to do about it.
  const errorBlock =
    report.error?.hint === undefined || report.error.hint === null
      ? ''
      : `<p class="muted">hint: ${html(report.error.hint)}</p>`;
  const preflight = (report.preflight ?? [])
    .map((note) => {
      const warning = note.level === 'warning';
      return `<p class="${warning ? 'issues' : 'muted'}">${warning ? 'warning' : 'note'}: ${html(note.message)}</p>`;
    })
    .join('');
  const footer =
    `mqleak ${html(report.tool.version)} · report schemaVersion ${report.schemaVersion} · ` +
    'self-contained: nothing here was loaded from the network';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mqleak ${html(report.tool.version)}">
<title>${html(title)}</title>
<style>${STYLES}${ATTRIBUTION_STYLES}</style>
</head>
<body>
<main>
<section class="card hero v-${html(verdict)}">
<h1>mqleak report</h1>
<div class="headline">${chip(verdict)}<p>${html(headline(report))}</p></div>
${errorBlock}
${preflight}
${facts(report)}
${probesTable(report)}
</section>
<section class="card">
<h2>Every scenario and metric</h2>
${summaryTable(report)}
${thresholdTable(report.thresholds ?? [])}
<h3 style="margin-top:16px">Reading the charts</h3>
<p class="muted" style="margin:4px 0 0">${READING_THE_CHARTS}</p>
${legend()}
</section>
${report.scenarios.map(scenarioSection).join('\n')}
<footer>${footer}</footer>
</main>
</body>
</html>
`;
}
