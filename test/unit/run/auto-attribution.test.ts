// Attribution by itself after a LEAK: the plain report (a real one, test/fixtures/reports/quick-leak.json) keeps its
// verdict and metrics, and gets the instrumented rerun's sites with both rates; --no-attribute, a broker mqleak did
// not start, and a failing rerun are handled. The rerun is handed in as a function: here it returns a report.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { AttributionReport, RunReport } from '../../../src/core/report-model.js';
import { autoAttribute } from '../../../src/run/auto-attribution.js';
import type { PreparedRun } from '../../../src/run/run.js';
import { loadScenario } from '../../../src/scenario/load-scenario.js';
import { REPO_ROOT } from '../../helpers/brokers.js';

const stored = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test/fixtures/reports/quick-leak.json'), 'utf8'),
) as RunReport;
/** The stored report predates the `proc.` prefix of process metrics: named as a run names them now. */
const plain: RunReport = {
  ...stored,
  scenarios: stored.scenarios.map((scenario) => ({
    ...scenario,
    metrics: scenario.metrics.map((metric) => (metric.name === 'rss' ? { ...metric, name: 'proc.rss' } : metric)),
  })),
};
const INSTRUMENTED_RATE = 123;

const found: AttributionReport = {
  tool: 'v8-heap-snapshot',
  status: 'ok',
  note: 'instrumented',
  verdictOfRecord: 'instrumented',
  opsPerSecond: { instrumented: INSTRUMENTED_RATE, plain: null },
  rssBytesPerOp: 4000,
  explainedShare: 1,
  sitesJudged: 1,
  sites: [],
  hints: [],
};

async function prepared(target: PreparedRun['options']['target'], autoAttribute = true): Promise<PreparedRun> {
  return {
    options: { scenarios: ['connect-churn'], quick: true, overrides: [], target, autoAttribute },
    scenarios: [await loadScenario('connect-churn', true)],
  };
}

function instrumentedReport(): RunReport {
  const scenario = plain.scenarios[0] as RunReport['scenarios'][number];
  return { ...plain, scenarios: [{ ...scenario, opsPerSecond: INSTRUMENTED_RATE, attribution: found }] };
}

const NODE_SPAWN = { spawn: 'node broker.mjs --port 1', broker: 'mqtt://127.0.0.1:1' };

test('after a LEAK: the leaking scenario rerun instrumented, its sites beside the plain verdict and rate', async () => {
  const runs: PreparedRun[] = [];
  const report = await autoAttribute(await prepared(NODE_SPAWN), plain, async (run) => {
    runs.push(run);
    return instrumentedReport();
  });
  assert.equal(runs.length, 1);
  assert.deepEqual(runs[0]?.attribution, { runtime: 'node', via: 'spawn' });
  assert.deepEqual(
    runs[0]?.scenarios.map((scenario) => scenario.name),
    ['connect-churn'],
  );
  assert.equal(runs[0]?.options.autoAttribute, false, 'the rerun does not rerun itself');
  const plainRss = plain.scenarios[0]?.metrics.find((metric) => metric.name === 'proc.rss')?.bytesPerOp;
  assert.ok(plainRss != null && plainRss > 0);
  assert.equal(
    runs[0]?.plainRssBytesPerOp?.get('connect-churn'),
    plainRss,
    'the sites are compared with the plain run’s RSS slope (the instrumented one holds the tool’s memory too)',
  );
  const scenario = report.scenarios[0];
  assert.equal(report.verdict, plain.verdict);
  assert.deepEqual(scenario?.metrics, plain.scenarios[0]?.metrics, 'the metrics are the plain run’s');
  assert.equal(scenario?.attribution?.verdictOfRecord, 'plain');
  assert.deepEqual(scenario?.attribution?.opsPerSecond, {
    instrumented: INSTRUMENTED_RATE,
    plain: plain.scenarios[0]?.opsPerSecond,
  });
  assert.equal(scenario?.attribution?.rerun?.scenario, 'connect-churn');
  assert.match(scenario?.attribution?.note ?? '', /verdict of record is the plain run/);
});

test('--no-attribute, or a broker mqleak did not start (--pid): no second run', async () => {
  let calls = 0;
  const execute = async (): Promise<RunReport> => {
    calls++;
    return instrumentedReport();
  };
  assert.equal(await autoAttribute(await prepared(NODE_SPAWN, false), plain, execute), plain);
  assert.equal(await autoAttribute(await prepared({ pid: process.pid }), plain, execute), plain);
  assert.equal(calls, 0);
});

test('a rerun that fails: the plain verdict stands, the failure noted', async () => {
  const report = await autoAttribute(await prepared(NODE_SPAWN), plain, async () => {
    throw new Error('broker would not start');
  });
  assert.equal(report.verdict, plain.verdict);
  assert.equal(report.scenarios[0]?.attribution?.status, 'failed');
  assert.match(report.scenarios[0]?.attribution?.note ?? '', /broker would not start.*the verdict stands/);
  assert.equal(report.scenarios[0]?.attribution?.opsPerSecond.plain, plain.scenarios[0]?.opsPerSecond);
});

test('a JVM broker (jcmd on the PATH): the rerun takes class histograms, its note names the heap', async () => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'mqleak-jcmd-'));
  await writeFile(path.join(folder, 'jcmd'), '#!/bin/sh\n', { mode: 0o755 });
  const savedPath = process.env.PATH;
  process.env.PATH = folder;
  try {
    const runs: PreparedRun[] = [];
    const scenario = plain.scenarios[0] as RunReport['scenarios'][number];
    const heap = {
      ...(scenario.metrics[0] as (typeof scenario.metrics)[number]),
      name: 'jvm.heapUsed',
      bytesPerOp: 528,
    };
    const report = await autoAttribute(
      await prepared({ spawn: 'java -jar broker.jar', broker: 'mqtt://127.0.0.1:1' }),
      plain,
      async (run) => {
        runs.push(run);
        const attribution = { ...found, tool: 'jcmd-class-histogram' as const, referenceMetric: 'jvm.heapUsed' };
        return { ...plain, scenarios: [{ ...scenario, metrics: [heap, ...scenario.metrics], attribution }] };
      },
    );
    assert.deepEqual(runs[0]?.attribution, { runtime: 'jvm', via: 'spawn' });
    assert.equal(report.scenarios[0]?.attribution?.tool, 'jcmd-class-histogram');
    assert.match(report.scenarios[0]?.attribution?.note ?? '', /that run read jvm\.heapUsed 528\.0 B\/op/);
  } finally {
    process.env.PATH = savedPath;
    await rm(folder, { recursive: true, force: true });
  }
});
