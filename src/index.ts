// mqleak's programmatic API: the CLI is thin wiring over these.
export { executeRun, prepareRun, exitCodeFor, type RunOptions, type PreparedRun } from './run/run.js';
export type { RunObserver, CycleProgress } from './run/observer.js';
export { loadScenario, parseScenario, builtinScenarioNames, type Scenario } from './scenario/load-scenario.js';
export { publishedScenarioSchema } from './scenario/json-schema.js';
export { PATTERNS } from './patterns/catalogue.js';
export type { PatternDefinition, PatternRun, PatternContext } from './patterns/pattern.js';
export type { ParamSpec } from './core/params.js';
export { resolveTarget, type TargetOptions } from './target/resolve-target.js';
export type { Target } from './target/target.js';
export { renderJson } from './report/json/render-json.js';
export { renderTable } from './report/terminal/table.js';
export { renderHtml } from './report/html/render-html.js';
export { renderJunit } from './report/junit/render-junit.js';
export {
  compareReports,
  compareMetric,
  type Comparison,
  type CompareRow,
  type CompareResult,
} from './verdict/compare.js';
export { readReportFile, checkReport, REPORT_SCHEMA_FILE } from './report/read-report.js';
export { evaluateThresholds, withThresholds, type SourcedThreshold } from './verdict/limit-checks.js';
export { parseThresholdSpec, type ThresholdSpec } from './core/threshold-spec.js';
export { redactReport } from './report/redact.js';
export * from './core/report-model.js';
export * from './analysis/index.js';
export { ExitCode, MqleakError } from './core/errors.js';
export { main } from './cli/main.js';
