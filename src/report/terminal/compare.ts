import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import { formatAmount, formatPerOp } from '../../core/format.js';
import type { CompareResult, CompareRow, Comparison, MetricSide, ReportSummary } from '../../verdict/compare.js';

// `mqleak compare` for people: BASE and NEW side by side, one row per scenario × metric.

const RESULT_LABEL: Record<CompareResult, string> = {
  regression: 'REGRESSION',
  improvement: 'improved',
  unchanged: 'same',
  'no-data': 'no data',
  'only-base': 'only in BASE',
  'only-new': 'only in NEW',
};

function sideCell(entry: MetricSide | null, unit: string): string {
  if (entry === null) return '—';
  if (entry.perOp === null) return entry.verdict.toUpperCase();
  const interval = entry.ci === null ? '' : ` [${formatAmount(entry.ci[0], unit)}, ${formatAmount(entry.ci[1], unit)}]`;
  return `${formatPerOp(entry.perOp, unit)}${interval}\n${entry.verdict.toUpperCase()}`;
}

function paint(style: ChalkInstance, result: CompareResult, text: string): string {
  if (result === 'regression') return style.red.bold(text);
  if (result === 'improvement') return style.green(text);
  return text;
}

function change(row: CompareRow): string {
  if (row.change === null) return '—';
  return `${row.change > 0 ? '+' : ''}${formatPerOp(row.change, row.unit)}`;
}

function describe(label: string, summary: ReportSummary): string {
  return (
    `${label}: ${summary.file} (mqleak ${summary.version}, ` +
    `${summary.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ` +
    `${summary.verdict.toUpperCase()}${summary.quick ? ', --quick' : ''})`
  );
}

export function renderComparison(comparison: Comparison, style: ChalkInstance): string {
  const lines = [describe('BASE', comparison.base), describe('NEW ', comparison.new)];
  const table = new Table({
    head: ['scenario', 'metric', 'BASE per op [interval]', 'NEW per op [interval]', 'change', 'result'],
    style: { head: [], border: [] },
  });
  for (const row of comparison.rows) {
    table.push([
      row.scenario,
      row.metric,
      sideCell(row.base, row.unit),
      sideCell(row.new, row.unit),
      change(row),
      paint(style, row.result, RESULT_LABEL[row.result]),
    ]);
  }
  if (comparison.rows.length > 0) lines.push(table.toString());
  for (const row of comparison.rows.filter(
    (entry) => entry.result === 'regression' || entry.result === 'improvement',
  )) {
    lines.push(`  ${paint(style, row.result, RESULT_LABEL[row.result])} ${row.scenario}/${row.metric}: ${row.reason}`);
  }
  for (const site of comparison.sites ?? []) {
    const figures =
      site.kind === 'new'
        ? `${site.newPerOp === null ? '?' : formatPerOp(site.newPerOp, 'B')}, not reported in BASE`
        : `${site.basePerOp === null ? '?' : formatPerOp(site.basePerOp, 'B')} ` +
          `→ ${site.newPerOp === null ? '?' : formatPerOp(site.newPerOp, 'B')}`;
    lines.push(
      `  ${style.red(site.kind === 'new' ? 'new site' : 'grown site')} ${site.scenario}: ${site.label} (${figures})`,
    );
    if (site.frames[0] !== undefined) lines.push(`      ${site.frames.slice(0, 3).join(' < ')}`);
  }
  for (const note of comparison.notes) lines.push(`  note: ${note}`);
  const verdict =
    comparison.regressions > 0
      ? style.red.bold(`${comparison.regressions} regression${comparison.regressions === 1 ? '' : 's'}`)
      : style.green('no regression');
  lines.push(
    '',
    `${style.bold('compare')}: ` +
      `${verdict}${comparison.improvements > 0 ? `, ${comparison.improvements} improved` : ''} ` +
      `(exit ${comparison.regressions > 0 ? 1 : 0})`,
  );
  return `${lines.join('\n')}\n`;
}
