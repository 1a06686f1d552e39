// compare: a regression only when NEW is worse beyond both runs' intervals (or newly LEAK).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { compareMetric, compareReports } from '../../../src/verdict/compare.js';
import type { MetricReport, RunReport } from '../../../src/core/report-model.js';
import { renderComparison } from '../../../src/report/terminal/compare.js';

async function report(name: string): Promise<RunReport> {
  return JSON.parse(await readFile(new URL(`../../fixtures/reports/${name}`, import.meta.url), 'utf8')) as RunReport;
}

function metric(perOp: number, ci: [number, number], verdict: MetricReport['verdict'] = 'inconclusive'): MetricReport {
  return {
    name: 'rss',
    kind: 'bytes',
    unit: 'B',
    verdict,
    reasonCode: 'underpowered',
    reason: '',
    bytesPerOp: perOp,
    ci,
    mbPerHour: null,
    perOp,
    perHour: null,
    minDetectablePerOp: null,
    thresholdPerOp: 64,
    cyclesUsed: 8,
    cyclesDropped: 2,
    cyclesNeeded: null,
    baselineFloor: null,
    recoveryFloor: null,
    persistence: null,
    recovery: null,
    step: null,
  };
}

test('the rule: above BASE’s interval and above δ is a regression; overlap or below δ is not', () => {
  assert.equal(compareMetric('s', metric(10, [-50, 60]), metric(500, [300, 700])).result, 'regression');
  assert.equal(
    compareMetric('s', metric(10, [-50, 60]), metric(50, [20, 80])).result,
    'unchanged',
    'overlapping intervals',
  );
  assert.equal(
    compareMetric('s', metric(-10, [-30, 10]), metric(40, [20, 60])).result,
    'unchanged',
    'above BASE but below δ = 64 B/op',
  );
  assert.equal(
    compareMetric('s', metric(10, [0, 20], 'pass'), metric(30, [0, 60], 'leak')).result,
    'regression',
    'newly LEAK',
  );
  assert.equal(
    compareMetric('s', metric(500, [300, 700], 'leak'), metric(10, [-50, 60], 'pass')).result,
    'improvement',
  );
  assert.equal(compareMetric('s', metric(10, [0, 20]), undefined).result, 'only-base');
  const row = compareMetric('s', metric(10, [-50, 60]), metric(500, [300, 700]));
  assert.equal(row.change, 490);
  assert.match(row.reason, /NEW \[300 B, 700 B\] lies above BASE \[-50 B, 60 B\] and above δ 64 B\/op/);
});

test('real reports: the leaky run against the clean one regresses; a report against itself does not', async () => {
  const clean = await report('quick-clean.json');
  const leak = await report('quick-leak.json');
  const worse = compareReports(clean, leak, { base: 'clean.json', new: 'leak.json' });
  assert.ok(worse.regressions >= 1);
  assert.deepEqual(
    worse.rows
      .filter((row) => row.result === 'regression')
      .map((row) => row.metric)
      .sort(),
    ['rss', 'rssAnon'],
  );
  const better = compareReports(leak, clean, { base: 'leak.json', new: 'clean.json' });
  assert.equal(better.regressions, 0);
  assert.ok(better.improvements >= 1);
  const same = compareReports(leak, leak, { base: 'leak.json', new: 'leak.json' });
  assert.equal(same.regressions, 0);
  assert.ok(same.rows.every((row) => row.result === 'unchanged'));
  const text = renderComparison(worse, new Chalk({ level: 0 }));
  assert.match(text, /REGRESSION connect-churn\/rss: NEW is LEAK, BASE was/);
  assert.match(text, /compare: 2 regressions \(exit 1\)/);
});

test('differences that make two runs less comparable are noted', async () => {
  const clean = await report('quick-clean.json');
  const changed = structuredClone(clean);
  const scenario = changed.scenarios[0];
  assert.ok(scenario);
  scenario.parameters = { ...scenario.parameters, operationsPerCycle: 99 };
  changed.settings.quick = false;
  const notes = compareReports(clean, changed, { base: 'a', new: 'b' }).notes;
  assert.ok(
    notes.some((note) => /connect-churn: parameters differ: operationsPerCycle 1000 → 99/.test(note)),
    notes.join('\n'),
  );
  assert.ok(notes.some((note) => /--quick/.test(note)));
});
