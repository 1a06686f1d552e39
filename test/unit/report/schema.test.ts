// The published JSON Schema of the report describes what mqleak really writes: real reports validate
// against it, with every field they hold described (a field added to the model but not to the schema fails).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { isMqleakError } from '../../../src/core/errors.js';
import { SCHEMA_VERSION } from '../../../src/core/report-model.js';
import type {
  AttributionReport,
  AttributionSite,
  CycleReport,
  FamilyMetricReport,
  FamilyReport,
  MetricReport,
  NarrowedCaseReport,
  NarrowingReport,
  NarrowingTryReport,
  RunReport,
  ScenarioReport,
  TargetReport,
  ThresholdResult,
} from '../../../src/core/report-model.js';
import { checkReport, readReportFile, reportSchema } from '../../../src/report/read-report.js';
import { strictSchema } from '../../helpers/strict-schema.js';

const FIXTURES = ['quick-leak.json', 'quick-clean.json'].map(
  (name) => new URL(`../../fixtures/reports/${name}`, import.meta.url),
);

type Schema = { [key: string]: unknown };

async function fixture(url: URL): Promise<RunReport> {
  return JSON.parse(await readFile(url, 'utf8')) as RunReport;
}

test('real reports validate against schema/report.schema.json, every field described', async () => {
  const ajv = (): Ajv => new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validateStrict = ajv().compile(strictSchema(reportSchema()) as Schema);
  const validatePublished = ajv().compile(reportSchema());
  for (const url of FIXTURES) {
    const report = await fixture(url);
    assert.ok(validatePublished(report), `${url.pathname}: ${JSON.stringify(validatePublished.errors?.slice(0, 3))}`);
    assert.ok(
      validateStrict(report),
      `${url.pathname}: a field the schema does not describe: ${JSON.stringify(validateStrict.errors?.slice(0, 3))}`,
    );
    assert.ok(
      report.scenarios.every((scenario) => scenario.samples.length > 0),
      'samples are in the report',
    );
  }
  // The guard itself: a field nobody described is caught, wherever it is.
  const undescribed = structuredClone(await fixture(FIXTURES[0] as URL)) as unknown as {
    scenarios: { metrics: Record<string, unknown>[] }[];
  };
  (undescribed.scenarios[0]?.metrics[0] as Record<string, unknown>).surprise = 1;
  assert.equal(validateStrict(undescribed), false);
  assert.equal(validatePublished(undescribed), true, 'readers of the published schema ignore unknown fields');
});

test('a report of an older version (without the fields added since) is still valid', async () => {
  const report = structuredClone(await fixture(FIXTURES[0] as URL)) as unknown as Record<string, unknown> & RunReport;
  delete report.environment;
  delete report.thresholds;
  delete report.settings.commandLine;
  for (const scenario of report.scenarios) for (const metric of scenario.metrics) delete metric.intercept;
  assert.equal(checkReport(report, 'old.json').verdict, 'leak');
});

test('what is not a report is refused in one line naming the file and the field (exit 64)', async () => {
  const report = structuredClone(await fixture(FIXTURES[0] as URL));
  const broken = { ...report, verdict: 'maybe' };
  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      assert.ok(isMqleakError(error) && error.exitCode === 64);
      assert.doesNotMatch(error.message, /\n/);
      return error.message;
    }
    assert.fail('expected a refusal');
  };
  assert.match(
    refusal(() => checkReport(broken, 'x.json')),
    /^x\.json: not a valid mqleak report: verdict/,
  );
  assert.match(
    refusal(() => checkReport({ ...report, schemaVersion: SCHEMA_VERSION + 1 }, 'new.json')),
    new RegExp(`new\\.json: report schemaVersion ${SCHEMA_VERSION + 1} is newer`),
  );
  assert.match(
    refusal(() => checkReport({ hello: 1 }, 'package.json')),
    /package\.json: .*schemaVersion/,
  );
  await assert.rejects(
    readReportFile('/nonexistent/report.json'),
    /\/nonexistent\/report\.json: cannot read the report \(ENOENT\)/,
  );
  const notJson = new URL('../../fixtures/reports/README.md', import.meta.url).pathname;
  await assert.rejects(readReportFile(notJson), /README\.md: not JSON/);
});

// Every field of the model, listed against its type: adding a field to src/report/model.ts without
// listing it here fails `npm run typecheck`, and listing it without describing it in the schema fails this test.
const RUN_FIELDS: Record<keyof RunReport, true> = {
  schemaVersion: true,
  tool: true,
  startedAt: true,
  finishedAt: true,
  durationMs: true,
  verdict: true,
  exitCode: true,
  interrupted: true,
  interruptedBy: true,
  error: true,
  target: true,
  settings: true,
  environment: true,
  scenarios: true,
  thresholds: true,
  preflight: true,
  probes: true,
  selfVerdict: true,
  selfProcesses: true,
};
const SETTINGS_FIELDS: Record<keyof RunReport['settings'], true> = {
  quick: true,
  sampleIntervalMs: true,
  answerBoundMs: true,
  familyAlpha: true,
  command: true,
  commandLine: true,
  budget: true,
  runAlpha: true,
};
const TARGET_FIELDS: Record<keyof TargetReport, true> = {
  kind: true,
  url: true,
  pid: true,
  description: true,
  command: true,
  gcForced: true,
  outputTail: true,
  transport: true,
  restartedPid: true,
};
const SCENARIO_FIELDS: Record<keyof ScenarioReport, true> = {
  name: true,
  description: true,
  source: true,
  pattern: true,
  operation: true,
  verdict: true,
  parameters: true,
  thresholds: true,
  quick: true,
  operations: true,
  measuredOperations: true,
  failures: true,
  failureKinds: true,
  opsPerSecond: true,
  startMs: true,
  endMs: true,
  phases: true,
  cycles: true,
  metrics: true,
  issues: true,
  error: true,
  samples: true,
  checks: true,
  answers: true,
  observations: true,
  limits: true,
  selfVerdict: true,
  selfMetrics: true,
  selfIssues: true,
  selfSamples: true,
  agents: true,
  mode: true,
  soak: true,
  decision: true,
  families: true,
  narrowing: true,
  attribution: true,
};
const ATTRIBUTION_FIELDS: Record<keyof AttributionReport, true> = {
  tool: true,
  status: true,
  note: true,
  verdictOfRecord: true,
  opsPerSecond: true,
  rssBytesPerOp: true,
  referenceMetric: true,
  instrumentedRssBytesPerOp: true,
  heapBytesPerOp: true,
  explainedShare: true,
  sitesJudged: true,
  sites: true,
  hints: true,
  traceBytes: true,
  snapshots: true,
  rerun: true,
};
const ATTRIBUTION_SITE_FIELDS: Record<keyof AttributionSite, true> = {
  rank: true,
  label: true,
  frames: true,
  verdict: true,
  reason: true,
  bytesPerOp: true,
  ci: true,
  liveBytes: true,
  shareOfRss: true,
  symbolized: true,
  stacks: true,
  liveCount: true,
  instancesPerOp: true,
};
const CYCLE_FIELDS: Record<keyof CycleReport, true> = {
  index: true,
  warmup: true,
  startMs: true,
  loadEndMs: true,
  endMs: true,
  operations: true,
  cumulativeOps: true,
  failures: true,
  failureKinds: true,
  gcForced: true,
  floors: true,
  bridge: true,
  variant: true,
  selfFloors: true,
  selfGcForced: true,
  lostAgent: true,
};
const METRIC_FIELDS: Record<keyof MetricReport, true> = {
  name: true,
  kind: true,
  unit: true,
  verdict: true,
  reasonCode: true,
  reason: true,
  bytesPerOp: true,
  ci: true,
  mbPerHour: true,
  perOp: true,
  perHour: true,
  minDetectablePerOp: true,
  sensitivityPerOp: true,
  recoveryWindowMs: true,
  thresholdPerOp: true,
  cyclesUsed: true,
  cyclesDropped: true,
  cyclesNeeded: true,
  baselineFloor: true,
  recoveryFloor: true,
  persistence: true,
  recovery: true,
  step: true,
  intercept: true,
  floorMethod: true,
  minutesNeeded: true,
};
const FAMILY_FIELDS: Record<keyof FamilyReport, true> = {
  name: true,
  verdict: true,
  cycles: true,
  operations: true,
  metrics: true,
};
const FAMILY_METRIC_FIELDS: Record<keyof FamilyMetricReport, true> = {
  name: true,
  unit: true,
  verdict: true,
  reasonCode: true,
  reason: true,
  perOp: true,
  ci: true,
  thresholdPerOp: true,
  cyclesUsed: true,
  growingCycles: true,
};
const NARROWING_FIELDS: Record<keyof NarrowingReport, true> = {
  outcome: true,
  family: true,
  summary: true,
  case: true,
  tries: true,
  reproFile: true,
  wallMs: true,
  capMs: true,
};
const NARROWING_TRY_FIELDS: Record<keyof NarrowingTryReport, true> = {
  family: true,
  caseId: true,
  verdict: true,
  metric: true,
  perOp: true,
  ci: true,
  wallMs: true,
  answers: true,
};
const NARROWED_CASE_FIELDS: Record<keyof NarrowedCaseReport, true> = {
  family: true,
  id: true,
  description: true,
  rule: true,
  bytesHex: true,
  answers: true,
  metric: true,
  perOp: true,
  ci: true,
};
const THRESHOLD_FIELDS: Record<keyof ThresholdResult, true> = {
  expression: true,
  source: true,
  scenario: true,
  metric: true,
  stat: true,
  operator: true,
  limit: true,
  lowerBound: true,
  value: true,
  status: true,
  message: true,
};

test('every field of the result model is described in the schema', () => {
  const schema = reportSchema() as {
    properties: Record<
      string,
      { properties?: Record<string, unknown>; oneOf?: { properties?: Record<string, unknown> }[] }
    >;
    definitions: Record<string, { properties: Record<string, unknown> }>;
  };
  const described = (
    properties: Record<string, unknown> | undefined,
    fields: Record<string, true>,
    where: string,
  ): void => {
    for (const field of Object.keys(fields))
      assert.ok(
        properties !== undefined && field in properties,
        `${where}.${field} is not described in schema/report.schema.json`,
      );
  };
  described(schema.properties, RUN_FIELDS, 'report');
  described(schema.properties.settings?.properties, SETTINGS_FIELDS, 'settings');
  described(schema.properties.target?.oneOf?.[1]?.properties, TARGET_FIELDS, 'target');
  described(schema.definitions.scenario?.properties, SCENARIO_FIELDS, 'scenarios[]');
  described(schema.definitions.cycle?.properties, CYCLE_FIELDS, 'cycles[]');
  described(schema.definitions.metric?.properties, METRIC_FIELDS, 'metrics[]');
  described(schema.definitions.thresholdResult?.properties, THRESHOLD_FIELDS, 'thresholds[]');
  described(schema.definitions.family?.properties, FAMILY_FIELDS, 'families[]');
  described(schema.definitions.familyMetric?.properties, FAMILY_METRIC_FIELDS, 'families[].metrics[]');
  described(schema.definitions.narrowing?.properties, NARROWING_FIELDS, 'narrowing');
  described(schema.definitions.narrowingTry?.properties, NARROWING_TRY_FIELDS, 'narrowing.tries[]');
  described(schema.definitions.narrowedCase?.properties, NARROWED_CASE_FIELDS, 'narrowing.case');
  described(schema.definitions.attribution?.properties, ATTRIBUTION_FIELDS, 'attribution');
  described(schema.definitions.attributionSite?.properties, ATTRIBUTION_SITE_FIELDS, 'attribution.sites[]');
});
