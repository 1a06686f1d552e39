import type { ChalkInstance } from 'chalk';
import type { RunReport } from '../../core/report-model.js';

/**
 * The probes beside proc, one line each (what they read), and every probe that missed readings, with
 * why: for the table under the target line. Nothing when only proc ran and it missed nothing.
 */
export function probeLines(report: RunReport, style: ChalkInstance): string[] {
  const lines: string[] = [];
  for (const probe of report.probes ?? []) {
    const missed = probe.failures + probe.timeouts;
    if (probe.kind === 'proc' && missed === 0) continue;
    const figures = `${probe.readings} of ${probe.ticks} ticks read`;
    const trouble =
      missed === 0
        ? ''
        : `; ` +
          `${style.yellow(`${missed} failed${probe.timeouts > 0 ? ` (${probe.timeouts} timed out)` : ''}`)}, ` +
          `last: ${probe.lastError ?? 'unknown'}`;
    lines.push(
      `probe ${probe.kind}: ${probe.source} → ${probe.metrics.join(', ')} ` +
        `(${figures}${probe.skipped > 0 ? `, ${probe.skipped} skipped while a reading ran` : ''}${trouble})`,
    );
  }
  return lines;
}
