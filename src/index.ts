// mqleak's programmatic API: the CLI is thin wiring over these.
export { executeRun, prepareRun, exitCodeFor, type RunOptions, type PreparedRun } from './run/run.js';
export type { RunObserver, CycleProgress } from './run/observer.js';
export { loadScenario, parseScenario, builtinScenarioNames, type Scenario } from './scenario/load-scenario.js';
export { publishedScenarioSchema } from './scenario/json-schema.js';
export { PATTERNS } from './patterns/catalogue.js';
export type { PatternDefinition, PatternRun, PatternContext, ParamSpec } from './patterns/pattern.js';
export { resolveTarget, type TargetOptions } from './target/resolve-target.js';
export type { Target } from './target/target.js';
export { renderJson } from './report/render-json.js';
export { renderTable } from './report/render-table.js';
export * from './report/model.js';
export * from './analysis/index.js';
export { ExitCode, MqleakError } from './errors.js';
export { main } from './cli/main.js';
