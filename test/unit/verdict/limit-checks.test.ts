// k6-style thresholds: the words accepted, and how they hold or break against real reports.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { isMqleakError } from '../../../src/core/errors.js';
import type { RunReport } from '../../../src/core/report-model.js';
import { evaluateThresholds, withThresholds, type SourcedThreshold } from '../../../src/verdict/limit-checks.js';
import { parseScenario } from '../../../src/scenario/load-scenario.js';
import { parseThresholdSpec } from '../../../src/core/threshold-spec.js';

const MIB = 1024 * 1024;

async function report(name: string): Promise<RunReport> {
  return JSON.parse(await readFile(new URL(`../../fixtures/reports/${name}`, import.meta.url), 'utf8')) as RunReport;
}

function fromCli(...texts: string[]): SourcedThreshold[] {
  return texts.map((text) => ({ spec: parseThresholdSpec(text, `--threshold ${text}`), source: 'command-line' }));
}

function refusal(text: string, allowScenario = true): string {
  try {
    parseThresholdSpec(text, `--threshold ${text}`, allowScenario);
  } catch (error) {
    assert.ok(isMqleakError(error) && error.exitCode === 64, 'a usage error (exit 64)');
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return `${error.message} | ${error.hint ?? ''}`;
  }
  assert.fail(`expected ${text} to be refused`);
}

test('the accepted forms: scenario or *, metric, <= or <, a number with its unit per op or per hour', () => {
  assert.deepEqual(parseThresholdSpec('connect-churn:rss<=64B/op', 'x'), {
    text: 'connect-churn:rss<=64B/op',
    scenario: 'connect-churn',
    metric: 'proc.rss',
    operator: '<=',
    stat: 'bytesPerOp',
    limit: 64,
  });
  assert.equal(parseThresholdSpec('*:rss<=1.5KB/op', 'x').limit, 1536);
  assert.equal(parseThresholdSpec('*:rss<=1.5KB/op', 'x').scenario, null, '* is every scenario');
  assert.equal(parseThresholdSpec('rssAnon < 2 MB/op', 'x').limit, 2 * MIB);
  const perHour = parseThresholdSpec('rssAnon<=10MB/h', 'x');
  assert.equal(perHour.stat, 'mbPerHour');
  assert.equal(perHour.limit, 10);
  assert.equal(parseThresholdSpec('rss<=1GB/h', 'x').limit, 1024, 'MB per hour');
  assert.deepEqual(
    [parseThresholdSpec('fds<=0.001/op', 'x').stat, parseThresholdSpec('fds<=0.001/op', 'x').limit],
    ['perOp', 0.001],
  );
  assert.equal(parseThresholdSpec('threads<=2threads/h', 'x').stat, 'perHour');
  assert.equal(parseThresholdSpec('rss<=100/op', 'x').stat, 'perOp', 'no unit: the metric’s own (bytes)');
});

test('bad thresholds: exit 64, one line naming the flag, the accepted form in the hint', () => {
  for (const bad of ['rss>64B/op', 'rss<=64B', 'rss<=lots/op', 'connect-churn:rss=64B/op', '']) {
    const message = refusal(bad);
    assert.match(
      message,
      new RegExp(
        `^--threshold ${bad.replace(/[*+?^${}()|[\]\\/]/g, '\\$&')}: expected ` +
          `\\[SCENARIO\\|\\*:\\]METRIC<=NUMBER UNIT/op or /h`,
      ),
    );
    assert.match(message, /connect-churn:rss<=64B\/op/);
  }
  assert.match(
    refusal('heap<=1MB/op'),
    /no metric 'heap' \(known: proc\.rss, proc\.rssAnon, proc\.fds, proc\.threads, and sys\.\*/,
  );
  assert.match(refusal('fds<=1KB/op'), /fds is measured in fds: 'KB' does not fit/);
  assert.match(refusal('rss<=3fds/op'), /rss is measured in B: 'fds' does not fit \(use B, KB, MB or GB\)/);
  assert.match(refusal('connect-churn:rss<=64B/op', false), /apply to its own scenario: drop 'connect-churn:'/);
});

test(
  'against a real LEAK report: a limit below the measured slope breaks, one above holds, * ' + 'covers every scenario',
  async () => {
    const leak = await report('quick-leak.json');
    const rss = leak.scenarios[0]?.metrics.find((metric) => metric.name === 'rss');
    assert.ok(rss?.bytesPerOp !== null && rss?.bytesPerOp !== undefined && rss.mbPerHour !== null);
    const below = Math.floor(rss.bytesPerOp / 2);
    const above = Math.ceil(rss.bytesPerOp * 2);
    const results = evaluateThresholds(
      leak,
      fromCli(
        `connect-churn:rss<=${below}B/op`,
        `*:rss<=${above}B/op`,
        `connect-churn:rss<${Math.ceil(rss.mbPerHour * 2)}MB/h`,
        '*:fds<=0.01/op',
      ),
    );
    assert.deepEqual(
      results.map((result) => result.status),
      ['fail', 'pass', 'pass', 'pass'],
    );
    assert.equal(results[1]?.expression, `connect-churn:rss<=${above}B/op`, 'the scenario is named in the result');
    assert.equal(results[0]?.value, rss.bytesPerOp);
    assert.match(
      results[0]?.message ?? '',
      new RegExp(`^connect-churn:rss<=${below}B/op broken: proc\\.rss .* over the limit <= `),
    );
  },
);

test('exit code: a broken threshold makes it 1 unless the run failed; none broken leaves it', async () => {
  const clean = await report('quick-clean.json');
  const leak = await report('quick-leak.json');
  assert.notEqual(clean.exitCode, 1, 'the clean run found no leak');
  // A limit the leaky run breaks, checked against the clean run's exit code.
  const broken = evaluateThresholds(leak, fromCli('connect-churn:rss<=64B/op'));
  assert.equal(broken[0]?.status, 'fail');
  const holding = evaluateThresholds(clean, fromCli('connect-churn:rss<=1MB/op'));
  assert.equal(holding[0]?.status, 'pass');
  assert.equal(withThresholds(clean, broken).exitCode, 1);
  assert.equal(withThresholds(clean, holding).exitCode, clean.exitCode);
  assert.deepEqual(withThresholds(clean, []).thresholds, []);
  const failed: RunReport = { ...clean, verdict: 'error', exitCode: 3 };
  assert.equal(withThresholds(failed, broken).exitCode, 3, 'a failed target stays exit 3');
});

test('no figure to check: no-data, which does not break the run', async () => {
  const clean = await report('quick-clean.json');
  const stripped: RunReport = {
    ...clean,
    scenarios: clean.scenarios.map((scenario) => ({
      ...scenario,
      metrics: scenario.metrics.filter((metric) => metric.name !== 'rssAnon'),
    })),
  };
  const [result] = evaluateThresholds(stripped, fromCli('*:rssAnon<=64B/op'));
  assert.equal(result?.status, 'no-data');
  assert.match(result?.message ?? '', /rssAnon was not measured/);
  assert.equal(withThresholds(stripped, result === undefined ? [] : [result]).exitCode, clean.exitCode);
});

test('a scenario file’s limits: parsed with the file, its own scenario only, bad ones named by file and index', () => {
  const text = 'name: mine\ndescription: d\npattern: connect-churn\nlimits:\n  - rss<=64B/op\n  - rssAnon<=10MB/h\n';
  const scenario = parseScenario(text, 'mine.yaml', false, false);
  assert.deepEqual(
    scenario.limits.map((limit) => [limit.metric, limit.stat, limit.limit]),
    [
      ['proc.rss', 'bytesPerOp', 64],
      ['proc.rssAnon', 'mbPerHour', 10],
    ],
  );
  try {
    parseScenario(
      'name: mine\ndescription: d\npattern: connect-churn\nlimits:\n  - rss<=64B/op\n  - rss>64\n',
      'mine.yaml',
      false,
      false,
    );
    assert.fail('expected a refusal');
  } catch (error) {
    assert.ok(isMqleakError(error) && error.exitCode === 64);
    assert.match(error.message, /^mine\.yaml: limits\[1\] 'rss>64': expected/);
  }
});

test(
  'a limit is broken only when the interval says so: ' + 'its lower end over the limit, per op and per hour alike',
  async () => {
    const leak = await report('quick-leak.json');
    // The fixture is an older report: its metric is named bare `rss`.
    const withInterval = (ci: [number, number]): RunReport => ({
      ...leak,
      scenarios: leak.scenarios.map((scenario) => ({
        ...scenario,
        metrics: scenario.metrics.map((metric) =>
          metric.name === 'rss' ? { ...metric, bytesPerOp: 100, perOp: 100, mbPerHour: 10, ci } : metric,
        ),
      })),
    });
    const straddling = evaluateThresholds(
      withInterval([50, 150]),
      fromCli('connect-churn:rss<=80B/op', 'connect-churn:rss<=8MB/h'),
    );
    assert.deepEqual(
      straddling.map((result) => result.status),
      ['pass', 'pass'],
    );
    assert.equal(straddling[0]?.lowerBound, 50);
    assert.equal(straddling[1]?.lowerBound, 5, 'the per-hour bound scales with the slope');
    assert.match(straddling[0]?.message ?? '', /interval reaches below it: not broken/);
    const over = evaluateThresholds(
      withInterval([90, 150]),
      fromCli('connect-churn:rss<=80B/op', 'connect-churn:rss<=8MB/h'),
    );
    assert.deepEqual(
      over.map((result) => result.status),
      ['fail', 'fail'],
    );
  },
);
