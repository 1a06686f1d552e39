import type { RunReport } from '../../core/report-model.js';

/** The JSON report: the result model as it is (DESIGN.md's contract), pretty-printed for people who keep it in git. */
export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
