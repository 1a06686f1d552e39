import type { ChalkInstance } from 'chalk';
import type { RunReport } from '../../core/report-model.js';

/** The terminal's thresholds block: each threshold held (✓), broken (✗) or without a figure (–). */
export function thresholdLines(report: RunReport, style: ChalkInstance): string[] {
  const results = report.thresholds ?? [];
  if (results.length === 0) return [];
  const broken = results.filter((result) => result.status === 'fail').length;
  const head =
    broken === 0 ? style.green(`all ${results.length} held`) : style.red.bold(`${broken} of ${results.length} broken`);
  const lines = ['', `${style.bold('thresholds')}: ${head}`];
  for (const result of results) {
    const mark =
      result.status === 'pass' ? style.green('✓') : result.status === 'fail' ? style.red.bold('✗') : style.yellow('–');
    lines.push(`  ${mark} ${result.message}`);
  }
  return lines;
}

/** Appended to the verdict line when a threshold decided the exit code. */
export function thresholdVerdictNote(report: RunReport, style: ChalkInstance): string {
  const broken = (report.thresholds ?? []).filter((result) => result.status === 'fail').length;
  return broken === 0 ? '' : style.red.bold(` — ${broken} threshold${broken === 1 ? '' : 's'} broken`);
}
