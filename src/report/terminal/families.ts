import type { ChalkInstance } from 'chalk';
import { formatAmount, formatNumber, formatPerOp } from '../../core/format.js';
import type { FamilyMetricReport, ScenarioReport } from '../../core/report-model.js';

// The lines under a scenario for its variant families (each judged on its own cycles) and, after a
// family's LEAK, what narrowing found: the case in words, its growth alone, its bytes, the broker's
// answer and the scenario file that reproduces it.

function figure(metric: FamilyMetricReport | { perOp: number | null; ci: [number, number] | null }, unit: string) {
  if (metric.perOp === null) return '—';
  const ci = metric.ci === null ? '' : ` [${formatAmount(metric.ci[0], unit)}, ${formatAmount(metric.ci[1], unit)}]`;
  return `${formatPerOp(metric.perOp, unit)}${ci}`;
}

function answerText(answers: Record<string, number>): string {
  const entries = Object.entries(answers).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'nothing recorded' : entries.map(([answer, n]) => `${answer} ×${n}`).join(', ');
}

export function familyLines(scenario: ScenarioReport, style: ChalkInstance): string[] {
  const lines: string[] = [];
  const families = scenario.families ?? [];
  if (families.length > 0) {
    const count = (verdict: string): number => families.filter((family) => family.verdict === verdict).length;
    lines.push(
      `  families: ${families.length} judged on their own cycles: ${count('leak')} ` +
        `LEAK, ${count('inconclusive')} INCONCLUSIVE, ${count('pass')} PASS`,
    );
    for (const family of families) {
      if (family.verdict === 'pass') continue;
      const label = family.verdict === 'leak' ? style.red.bold('LEAK') : style.yellow('INCONCLUSIVE');
      const metric =
        family.metrics.find((entry) => entry.verdict === family.verdict) ?? (family.metrics[0] as FamilyMetricReport);
      lines.push(
        `  family ${family.name}:` +
          ` ${label} ${metric?.name ?? ''} ${metric === undefined ? '' : figure(metric, metric.unit)} ` +
          `over ${family.cycles} cycles`,
      );
      if (family.verdict === 'leak' && metric !== undefined) lines.push(`    ${metric.reason}`);
    }
  }
  const narrowing = scenario.narrowing;
  const unitOf = (metric: string): string => scenario.metrics.find((entry) => entry.name === metric)?.unit ?? '';
  if (narrowing !== undefined) {
    lines.push(
      `  ${style.bold('narrowed')}: ${narrowing.summary} (${formatNumber(narrowing.wallMs / 1000)} s ` +
        `of ${formatNumber(narrowing.capMs / 1000)} s allowed, ${narrowing.tries.length} ` +
        `run${narrowing.tries.length === 1 ? '' : 's'})`,
    );
    const found = narrowing.case;
    if (found !== null) {
      const unit = unitOf(found.metric);
      lines.push(`    case ${found.id}: ${found.metric} ${figure(found, unit)} alone`);
      if (found.rule !== undefined) lines.push(`    rule: ${found.rule}`);
      lines.push(`    broker answered: ${answerText(found.answers)}`);
      if (found.bytesHex !== null) lines.push(`    bytes sent (hex): ${found.bytesHex}`);
    }
    for (const entry of narrowing.tries) {
      const unit = entry.metric === null ? '' : unitOf(entry.metric);
      lines.push(
        `    tried ${entry.caseId ?? `${entry.family} (whole family)`}:` +
          ` ${entry.verdict.toUpperCase()} ${entry.metric ?? ''} ${figure(entry, unit)},` +
          ` ${formatNumber(entry.wallMs / 1000)} s`,
      );
    }
    if (narrowing.reproFile !== null) lines.push(`    reproduce: mqleak run ${narrowing.reproFile}`);
  }
  return lines;
}
