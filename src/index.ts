// mqleak's programmatic API: prepare and execute a run, render and compare its report. The CLI is thin wiring
// over these; tuning constants and the stages' internals stay inside.
import { executeRun, prepareRun, type RunOptions } from './run/run.js';
import type { RunReport } from './core/report-model.js';

export { executeRun, prepareRun, exitCodeFor, type PreparedRun, type RunOptions } from './run/run.js';
export type { CycleProgress, RunObserver } from './run/observer.js';
export { builtinScenarioNames, loadScenario, type Scenario } from './scenario/load-scenario.js';
export type { TargetOptions } from './target/resolve-target.js';
export type { Credentials } from './core/credentials.js';

// The report: its types (the JSON contract, schema/report.schema.json), reading, checking and rendering it.
export * from './core/report-model.js';
export type { DataIssue, MetricVerdict, ReasonCode, Verdict } from './core/verdict-types.js';
export { checkReport, readReportFile } from './report/read-report.js';
export { renderHtml } from './report/html/render-html.js';
export { renderJson } from './report/json/render-json.js';
// The packed sample series of schemaVersion 2 (readReportFile/checkReport already unpack them).
export {
  isPackedSeries,
  type PackedColumn,
  type PackedSeries,
  packSeries,
  SERIES_ENCODING,
  unpackSeries,
} from './report/json/packed-series.js';
export { renderJunit } from './report/junit/render-junit.js';
export { renderTable } from './report/terminal/table.js';

// Comparing two reports, and limits on one.
export { compareReports, type CompareResult, type CompareRow, type Comparison } from './verdict/compare.js';
export { evaluateThresholds, type SourcedThreshold, withThresholds } from './verdict/limit-checks.js';
export { parseThresholdSpec, type ThresholdSpec } from './core/threshold-spec.js';

export { ExitCode, type ExitCodeValue, MqleakError } from './core/errors.js';

/** Checks the options (scenario files, parameters, probes) before any connection, then runs: prepare + execute. */
export async function run(options: RunOptions): Promise<RunReport> {
  return executeRun(await prepareRun(options));
}
