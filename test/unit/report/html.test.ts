// The HTML report as text: self-contained, one chart per scenario × metric with its parts, escaped.
// (test/integration/report-outputs.test.ts opens it in headless Chromium.)
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { judgedPoints, fittedIntercept } from '../../../src/verdict/fit.js';
import type { RunReport } from '../../../src/core/report-model.js';
import { html } from '../../../src/report/html/escape.js';
import { plainWords, renderHtml } from '../../../src/report/html/render-html.js';

async function report(name: string): Promise<RunReport> {
  return JSON.parse(await readFile(new URL(`../../fixtures/reports/${name}`, import.meta.url), 'utf8')) as RunReport;
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

test('self-contained: no script, nothing loaded from anywhere', async () => {
  const page = renderHtml(await report('quick-leak.json'));
  assert.match(page, /^<!doctype html>/);
  assert.doesNotMatch(
    page,
    /<script|<link|<img|<iframe|@import|url\((?!#)/i,
    'no script, stylesheet link, image or CSS url()',
  );
  assert.doesNotMatch(page, /\b(?:src|href)="(?!#)/i, 'every link is an anchor in the page');
  assert.match(page, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
});

test('a chart per scenario × metric: phases, samples, floors, fit with its band, δ for bytes', async () => {
  const leak = await report('quick-leak.json');
  const full = renderHtml(leak);
  // The scenario sections only: the legend above draws one of each mark too.
  const page = full.slice(full.indexOf('<section class="card" id='));
  const metrics = leak.scenarios.flatMap((scenario) => scenario.metrics);
  assert.equal(count(page, /<svg class="chart-svg" viewBox="0 0 \d+ \d+" role="img"/g), metrics.length);
  for (const phase of ['baseline', 'warmup', 'measured', 'recovery'])
    assert.equal(count(page, new RegExp(`class="phase phase-${phase}"`, 'g')), metrics.length, phase);
  assert.equal(count(page, /<path class="samples" d="M[\d.]+ [\d.]+L/g), metrics.length, 'every chart has its samples');
  assert.equal(
    count(page, /<path class="fit" d="M[\d.]+ [\d.-]+L/g),
    metrics.filter((m) => m.perOp !== null).length,
    'a fitted line where there is a slope',
  );
  assert.equal(count(page, /<path class="band" d="M/g), metrics.filter((m) => m.perOp !== null).length);
  assert.equal(
    count(page, /<path class="delta" d="M/g),
    metrics.filter((m) => m.perOp !== null && m.kind === 'bytes').length,
    'δ only for bytes',
  );
  const floors = leak.scenarios.flatMap((s) => s.cycles).length;
  assert.equal(count(page, /<circle class="floor /g), floors * metrics.length, 'every cycle floor of every metric');
  const judged = metrics.reduce((sum, metric) => sum + metric.cyclesUsed, 0);
  assert.equal(count(page, /<circle class="floor floor-judged"/g), judged, 'judged floors marked as such');
});

test('the summary first: overall verdict, then every scenario × metric with bytes/op and MB/h', async () => {
  const leak = await report('quick-leak.json');
  const page = renderHtml(leak);
  const hero = page.indexOf('class="card hero v-leak"');
  const table = page.indexOf('Every scenario and metric');
  const firstChart = page.indexOf('<svg class="chart-svg"');
  assert.ok(hero > 0 && hero < table && table < firstChart, 'verdict, then the table, then the charts');
  assert.match(
    page,
    /<span class="verdict v-leak">LEAK<\/span><p>connect-churn leaks: rss grows [\d.]+ KB per connection, about [\d.]+ GB\/h at [\d,.]+ connections\/s\./,
  );
  for (const metric of leak.scenarios.flatMap((s) => s.metrics))
    assert.ok(page.includes(`<td>${metric.name}</td>`), metric.name);
  assert.match(page, /<h3[^>]*>Thresholds<\/h3>.*BROKEN/s, 'the thresholds with their status');
  assert.ok(page.includes(html(leak.settings.commandLine ?? '\u0000')), 'the command line that repeats the run');
});

test('the verdict in plain words, for each reason', async () => {
  const leak = await report('quick-leak.json');
  const rss = leak.scenarios[0]?.metrics[0];
  assert.ok(rss);
  assert.match(
    plainWords(rss, 'connection'),
    /^Leaks: rss grows about [\d.]+ KB per connection and is not given back\.$/,
  );
  assert.match(
    plainWords({ ...rss, verdict: 'pass', reasonCode: 'flat' }, 'connection'),
    /^No leak: rss grows at most .* per connection, below the 64 B threshold\.$/,
  );
  assert.match(
    plainWords({ ...rss, verdict: 'inconclusive', reasonCode: 'underpowered', cyclesNeeded: 40 }, 'connection'),
    /about 40 measured cycles would settle it/,
  );
  assert.match(
    plainWords({ ...rss, verdict: 'inconclusive', reasonCode: 'transient' }, 'connection'),
    /given back in recovery/,
  );
});

test('report text is escaped: a hostile scenario name or reason does not become markup', async () => {
  const hostile = structuredClone(await report('quick-leak.json'));
  const scenario = hostile.scenarios[0];
  assert.ok(scenario?.metrics[0]);
  scenario.name = '<img src=x onerror=alert(1)>';
  scenario.metrics[0].reason = '</figure><script>alert(2)</script>';
  const page = renderHtml(hostile);
  assert.doesNotMatch(page, /<img|<script/);
  assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/);
});

test('the fitted line: intercept recomputed from the judged floors equals the recorded one', async () => {
  const leak = await report('quick-leak.json');
  const scenario = leak.scenarios[0];
  assert.ok(scenario);
  for (const metric of scenario.metrics) {
    const points = judgedPoints(scenario.cycles, metric.name, metric.cyclesUsed);
    assert.equal(points.length, metric.cyclesUsed);
    assert.ok(points.every((point) => !point.cycle.warmup));
    assert.equal(fittedIntercept(scenario.cycles, metric.name, metric.perOp, metric.cyclesUsed), metric.intercept);
  }
  // Reports written before `intercept` existed still get their line.
  const old = structuredClone(leak);
  for (const metric of old.scenarios[0]?.metrics ?? []) delete metric.intercept;
  assert.equal(
    count(renderHtml(old), /<path class="fit" d="M[\d.]+ [\d.-]+L/g),
    count(renderHtml(leak), /<path class="fit" d="M[\d.]+ [\d.-]+L/g),
  );
});

test('a run that failed before any scenario: the failure and its hint, no chart', async () => {
  const clean = await report('quick-clean.json');
  const failed: RunReport = {
    ...clean,
    verdict: 'error',
    exitCode: 3,
    scenarios: [],
    thresholds: [],
    error: {
      kind: 'target',
      message: 'broker mqtt://127.0.0.1:1 is unreachable (ECONNREFUSED)',
      hint: 'start the broker first',
    },
  };
  const page = renderHtml(failed);
  assert.match(
    page,
    /<span class="verdict v-error">ERROR<\/span><p>The run failed: broker mqtt:\/\/127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\)<\/p>/,
  );
  assert.match(page, /hint: start the broker first/);
  assert.doesNotMatch(page, /<svg class="chart-svg"/);
});
