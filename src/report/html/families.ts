import { formatAmount, formatNumber, formatPerOp } from '../../core/format.js';
import type { ScenarioReport } from '../../core/report-model.js';
import { html } from './escape.js';
import { leakingFamily } from '../../verdict/judge-families.js';

// The HTML for a scenario's variant families (each judged on its own cycles) and what narrowing found.

function figure(perOp: number | null, ci: [number, number] | null, unit: string): string {
  if (perOp === null) return '—';
  const interval = ci === null ? '' : ` [${formatAmount(ci[0], unit)}, ${formatAmount(ci[1], unit)}]`;
  return `${formatPerOp(perOp, unit)}${interval}`;
}

function answerText(answers: Record<string, number>): string {
  const entries = Object.entries(answers).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'nothing recorded' : entries.map(([answer, n]) => `${answer} ×${n}`).join(', ');
}

/** A table of every family × metric; open when a family is LEAK. */
export function familiesSection(scenario: ScenarioReport, chip: (verdict: string) => string): string {
  const families = scenario.families ?? [];
  if (families.length === 0) return '';
  const open = families.some((family) => family.verdict === 'leak') ? ' open' : '';
  const rows = families.flatMap((family) =>
    family.metrics.map(
      (metric, k) =>
        `<tr>${k === 0 ? `<td rowspan="${family.metrics.length}">${html(family.name)}</td>` : ''}` +
        `<td>${html(metric.name)}</td><td>${chip(metric.verdict)}</td>` +
        `<td class="num">${html(figure(metric.perOp, metric.ci, metric.unit))}</td>` +
        `<td class="num">${metric.growingCycles}/${metric.cyclesUsed}</td><td>${html(metric.reason)}</td></tr>`,
    ),
  );
  return [
    `<details class="families"${open}><summary>variant families (${families.length}, each judged on its own ` +
      'cycles)</summary>',
    '<div class="table-wrap"><table><thead><tr><th>family</th><th>metric</th><th>verdict</th><th>growth per ' +
      'op [interval]</th><th>cycles above δ</th><th>why</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table></div></details>`,
  ].join('');
}

/** What narrowing found: the case in words, its growth alone, its bytes, the broker's answer, the repro file. */
export function narrowingSection(scenario: ScenarioReport, chip: (verdict: string) => string): string {
  const narrowing = scenario.narrowing;
  if (narrowing === undefined) return '';
  const unitOf = (metric: string | null): string => scenario.metrics.find((entry) => entry.name === metric)?.unit ?? '';
  const found = narrowing.case;
  const caseRows: [string, string][] =
    found === null
      ? []
      : [
          ['case', `${found.family} / ${found.id}`],
          ['what was sent', found.description],
          ...(found.rule === undefined ? [] : ([['rule', found.rule]] as [string, string][])),
          [`${found.metric} alone`, figure(found.perOp, found.ci, unitOf(found.metric))],
          ['broker answered', answerText(found.answers)],
        ];
  const tries = narrowing.tries.map(
    (entry) =>
      `<tr><td>${html(entry.caseId ?? `${entry.family} (whole family)`)}</td><td>${chip(entry.verdict)}</td>` +
      `<td class="num">${html(figure(entry.perOp, entry.ci, unitOf(entry.metric)))}</td>` +
      `<td class="num">${formatNumber(entry.wallMs / 1000)} s</td></tr>`,
  );
  return [
    '<div class="narrowing">',
    `<h3>Narrowed: ${html(narrowing.outcome)}</h3>`,
    `<p>${html(narrowing.summary)} <span class="muted">(${formatNumber(narrowing.wallMs / 1000)} s ` +
      `of ${formatNumber(narrowing.capMs / 1000)} s allowed)</span></p>`,
    caseRows.length === 0
      ? ''
      : '<div class="table-wrap"><table><tbody>' +
        `${caseRows.map(([k, v]) => `<tr><th>${html(k)}</th><td>${html(v)}</td></tr>`).join('')}` +
        '</tbody></table></div>',
    found?.bytesHex === null || found === null
      ? ''
      : `<p>bytes sent (hex):</p><pre class="hex">${html(found.bytesHex)}</pre>`,
    narrowing.reproFile === null ? '' : `<p>reproduce: <code>mqleak run ${html(narrowing.reproFile)}</code></p>`,
    '<div class="table-wrap"><table><thead><tr><th>run</th><th>verdict</th><th>growth per op ' +
      `[interval]</th><th>wall time</th></tr></thead><tbody>${tries.join('')}</tbody></table></div>`,
    '</div>',
  ].join('');
}

/** The headline when a scenario leaks only in one of its variant families (its mixed metrics diluted it); null otherwise. */
export function familyLeakHeadline(report: { scenarios: readonly ScenarioReport[] }): string | null {
  for (const scenario of report.scenarios) {
    const family = leakingFamily(scenario.families);
    const metric = family?.metrics.find((entry) => entry.verdict === 'leak');
    if (family === null || metric === undefined) continue;
    const narrowed = scenario.narrowing?.case;
    const tail = narrowed === null || narrowed === undefined ? '' : ` Narrowed to the case ${narrowed.id}: see below.`;
    return (
      `${scenario.name} leaks in its variant family ${family.name}: ${metric.name} ` +
      `grows ${figure(metric.perOp, metric.ci, metric.unit)} per ${scenario.operation} of that family.${tail}`
    );
  }
  return null;
}
