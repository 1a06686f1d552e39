import type { ChalkInstance } from 'chalk';
import { formatNumber } from '../../core/format.js';
import { ACCEPTED_ANSWER } from '../../core/recording.js';
import type { ScenarioReport } from '../../core/report-model.js';

// The lines under a scenario in the terminal summary for what the pattern saw the broker do: protocol
// checks, the broker's answers per variant tried, measured quantities. Not part of the leak verdict.

function answerText(byAnswer: Record<string, number>): string {
  return Object.entries(byAnswer)
    .sort((a, b) => b[1] - a[1])
    .map(([answer, count]) => `${answer} ×${count}`)
    .join(', ');
}

/** Lines (indented, not wrapped) for the scenario's checks, answers and observations; none when it has none. */
export function protocolFactLines(scenario: ScenarioReport, style: ChalkInstance): string[] {
  const lines: string[] = [];
  for (const [name, check] of Object.entries(scenario.checks ?? {})) {
    if (check.status === 'held') lines.push(`  check held: ${name} (${check.observed}/${check.expected})`);
    else if (check.status === 'failed')
      lines.push(`  ${style.red.bold('CHECK FAILED')}: ${name}: ${check.observed} of ${check.expected}`);
    else lines.push(`  ${style.yellow('check not exercised')}: ${name}`);
  }
  for (const [variant, byAnswer] of Object.entries(scenario.answers ?? {})) {
    const accepted = byAnswer[ACCEPTED_ANSWER] ?? 0;
    const total = Object.values(byAnswer).reduce((sum, count) => sum + count, 0);
    const label =
      accepted === 0
        ? 'answered'
        : accepted === total
          ? style.yellow('not exercised')
          : style.yellow('partly exercised');
    lines.push(`  ${label} ${variant}: ${answerText(byAnswer)}`);
  }
  for (const [name, value] of Object.entries(scenario.observations ?? {})) {
    const spread =
      value.count > 1 ? ` (min ${formatNumber(value.min)}, max ${formatNumber(value.max)}, n=${value.count})` : '';
    lines.push(
      `  observed ${name}: ${value.count > 1 ? `mean ${formatNumber(value.mean)}` : formatNumber(value.max)}${spread}`,
    );
  }
  return lines;
}
