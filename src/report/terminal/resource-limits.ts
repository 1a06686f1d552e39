import type { ChalkInstance } from 'chalk';
import type { RunReport, ScenarioReport } from '../../core/report-model.js';

// The terminal's lines for what limits a run: the pre-run checks (open-files limits, ephemeral ports)
// and, per scenario, what refused its load (the broker out of file descriptors).

export function preflightLines(report: RunReport, style: ChalkInstance): string[] {
  return (report.preflight ?? []).map(
    (note) => `${note.level === 'warning' ? style.yellow('warning') : 'note'}: ${note.message}`,
  );
}

export function scenarioLimitLines(scenario: ScenarioReport, style: ChalkInstance): string[] {
  return (scenario.limits ?? []).map((limit) => `  ${style.yellow('limited')}: ${limit}`);
}
