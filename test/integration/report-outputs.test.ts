// Every report format from real runs against the fixture broker (leaky and clean): the JSON against
// its schema, the HTML in headless Chromium, JUnit parsed, compare and report on the saved files,
// thresholds holding and breaking as written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { DOMParser, onErrorStopParsing } from '@xmldom/xmldom';
import { chromium } from 'playwright-core';
import { readReportFile, reportSchema } from '../../src/report/read-report.js';
import { REPO_ROOT, startFixtureBroker, type TestBroker } from '../helpers/brokers.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { strictSchema } from '../helpers/strict-schema.js';
import { MIN_JUDGED_CYCLES } from '../../src/analysis/prepare.js';

const INJECTED_LEAK_BYTES = 4096;
const CHROMIUM = '/usr/bin/chromium';
/** A phone held upright (CSS pixels): the page must fit it without scrolling sideways. */
const PHONE_WIDTH = 390;
const SECRET = 's3cr3t-Pa55';
const EXIT_LEAK = 1;
/**
 * Three small measured cycles: too few for a verdict (INCONCLUSIVE), enough for a slope estimate.
 * Only the leaky run needs the full --quick shape, to be judged LEAK.
 */
const SHORT_RUN = [
  '--set',
  'cycles=3',
  '--set',
  'operationsPerCycle=500',
  '--set',
  'baselineSeconds=0.5',
  '--set',
  'recoverySeconds=1',
];
const EXIT_USAGE = 64;

/** The CLI on saved files (compare, report): no broker, its own exit code. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/mqleak.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

/** The folder runCli gave the run (its last --out): the default JSON report and the HTML beside it. */
async function defaultOutputs(result: CliResult): Promise<string[]> {
  const command = result.report?.settings.command ?? [];
  const out = command[command.lastIndexOf('--out') + 1];
  assert.ok(out !== undefined, 'the run has an --out folder');
  return (await readdir(out)).map((name) => path.join(out, name));
}

/** What the test reads off the page in the browser, after layout (a string: it runs there, not here). */
const IN_PAGE = `(() => ({
  charts: document.querySelectorAll('section[id] > div.charts svg.chart-svg').length,
  fitWidths: [...document.querySelectorAll(
    'section[id] > div.charts path.fit',
  )].map((element) => element.getBBox().width),
  sampleLengths: [...document.querySelectorAll(
    'section[id] > div.charts path.samples',
  )].map((element) => element.getTotalLength()),
  bands: [...document.querySelectorAll(
    'section[id] > div.charts path.band',
  )].map((element) => element.getBBox().height),
  phases: document.querySelectorAll('section[id] > div.charts rect.phase').length,
  chartWidths: [...document.querySelectorAll(
    'section[id] svg.chart-svg',
  )].map((element) => element.getBoundingClientRect().width),
  selfCharts: document.querySelectorAll('section[id] details.self svg.chart-svg').length,
  headline: document.querySelector('.headline')?.textContent ?? '',
  scrollWidth: document.documentElement.scrollWidth,
}))()`;

interface InPage {
  charts: number;
  fitWidths: number[];
  sampleLengths: number[];
  bands: number[];
  phases: number;
  chartWidths: number[];
  selfCharts: number;
  headline: string;
  scrollWidth: number;
}

describe('reports of real runs: a leaky and a clean fixture broker', () => {
  let leakyBroker: TestBroker;
  let cleanBroker: TestBroker;
  let dir: string;
  let leak: CliResult;
  let clean: CliResult;
  let leakFile: string;
  let cleanFile: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-report-outputs-'));
    leakyBroker = await startFixtureBroker(INJECTED_LEAK_BYTES);
    cleanBroker = await startFixtureBroker(0);
    leakFile = path.join(dir, 'leak.json');
    cleanFile = path.join(dir, 'clean.json');
    leak = await runCli([
      'run',
      '--quick',
      'connect-churn',
      '--broker',
      leakyBroker.url,
      '--pid',
      String(leakyBroker.pid),
      '--json',
      leakFile,
      '--html',
      path.join(dir, 'leak.html'),
      '--junit',
      path.join(dir, 'leak.xml'),
      '--threshold',
      'connect-churn:rss<=1KB/op',
      '--threshold',
      '*:fds<=0.01/op',
    ]);
    // Credentials in the broker URL, and a flag that carries one: neither may reach a report.
    const [host, port] = [cleanBroker.url.replace('mqtt://', '').split(':')[0], cleanBroker.port];
    clean = await runCli([
      'run',
      '--quick',
      'connect-churn',
      '--broker',
      `mqtt://alice:${SECRET}@${host}:${port}`,
      '--pid',
      String(cleanBroker.pid),
      '--json',
      cleanFile,
      '--junit',
      path.join(dir, 'clean.xml'),
      '--threshold',
      'connect-churn:rss<=1MB/op',
      ...SHORT_RUN,
    ]);
  });
  after(async () => {
    await leakyBroker?.stop();
    await cleanBroker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // The clean run is here for its reports, not for a clean verdict: its three measured cycles are fewer than any
  // verdict is given on (MIN_JUDGED_CYCLES), so what it must say is exactly that: INCONCLUSIVE, asking for more.
  test('the runs: LEAK on the leaky broker; the clean one too short for a verdict, INCONCLUSIVE, not LEAK', () => {
    assert.equal(leak.code, EXIT_LEAK, leak.stderr);
    assert.equal(leak.report?.verdict, 'leak');
    assert.notEqual(clean.report?.verdict, 'leak', clean.stdout);
    assert.notEqual(clean.report?.verdict, 'error', clean.stderr);
    assert.equal(clean.report?.verdict, 'inconclusive', clean.stdout);
    const metrics = clean.report?.scenarios[0]?.metrics ?? [];
    assert.ok(metrics.length >= 4, 'rss, rssAnon, fds and threads were judged');
    for (const metric of metrics) {
      assert.equal(metric.reasonCode, 'underpowered', `${metric.name}: ${metric.reason}`);
      assert.ok((metric.cyclesNeeded ?? 0) >= MIN_JUDGED_CYCLES, `${metric.name}: ${metric.reason}`);
    }
  });

  test(
    'JSON: valid against schema/report.schema.json; version, target, parameters and the ' + 'command line to repeat it',
    async () => {
      // Strict: every field a real report holds must be described in the published schema.
      const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
        strictSchema(reportSchema()) as object,
      );
      for (const file of [leakFile, cleanFile]) {
        const written = JSON.parse(await readFile(file, 'utf8')) as unknown;
        assert.ok(
          validate(written),
          `${file} does not match schema/report.schema.json (describe new fields there): ` +
            `${JSON.stringify(validate.errors?.slice(0, 3))}`,
        );
        // The rest read as `mqleak report` reads it: the packed sample series unpacked.
        const report = await readReportFile(file);
        assert.match(report.tool.version, /^\d+\.\d+\.\d+/);
        assert.equal(report.target?.kind, 'pid');
        assert.match(report.settings.commandLine ?? '', /^mqleak run --quick connect-churn --broker mqtt:\/\//);
        assert.ok(report.environment !== undefined && report.environment.cpus > 0);
        const scenario = report.scenarios[0];
        assert.ok(
          scenario !== undefined &&
            scenario.samples.length > 20 &&
            scenario.parameters.operationsPerCycle !== undefined,
        );
      }
    },
  );

  test('credentials given on the command line reach no report (JSON, HTML, JUnit)', async () => {
    const written = [...(await defaultOutputs(clean)), cleanFile, path.join(dir, 'clean.xml')];
    assert.deepEqual(written.map((file) => path.extname(file)).sort(), ['.html', '.json', '.json', '.xml']);
    for (const file of written) {
      const text = await readFile(file, 'utf8');
      assert.ok(!text.includes(SECRET), `${file} holds the password`);
      assert.ok(!text.includes('alice'), `${file} holds the user name`);
    }
    assert.match(clean.report?.settings.commandLine ?? '', /mqtt:\/\/\[redacted\]@127\.0\.0\.1:/);
  });

  test(
    'HTML: written beside the JSON and to --html; in headless Chromium every chart renders, ' +
      'nothing is fetched, it fits a phone',
    async () => {
      assert.ok(existsSync(CHROMIUM), `headless tests need Debian's chromium (apt-get install chromium)`);
      const outputs = await defaultOutputs(leak);
      const json = outputs.find((file) => file.endsWith('.json')) ?? '';
      assert.deepEqual(
        outputs.filter((file) => file.endsWith('.html')),
        [json.replace(/\.json$/, '.html')],
        'an HTML report beside the default JSON, same name',
      );
      const page = path.join(dir, 'leak.html');
      const metrics = leak.report?.scenarios.flatMap((scenario) => scenario.metrics) ?? [];
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        for (const width of [1280, PHONE_WIDTH]) {
          const tab = await browser.newPage({ viewport: { width, height: 900 } });
          const requests: string[] = [];
          tab.on('request', (request) => requests.push(request.url()));
          await tab.goto(`file://${page}`);
          const seen = (await tab.evaluate(IN_PAGE)) as InPage;
          assert.deepEqual(requests, [`file://${page}`], 'nothing but the file itself is loaded');
          assert.equal(seen.charts, metrics.length, 'a chart per metric');
          const selfMetrics = leak.report?.scenarios.flatMap((scenario) => scenario.selfMetrics ?? []) ?? [];
          assert.ok(selfMetrics.length > 0, 'the run judged mqleak itself');
          assert.equal(seen.selfCharts, selfMetrics.length, 'a chart per self-check metric, in its own folded section');
          assert.equal(seen.fitWidths.length, metrics.filter((metric) => metric.perOp !== null).length);
          assert.ok(
            seen.fitWidths.every((value) => value > 50),
            `fitted lines drawn: ${seen.fitWidths.join(', ')}`,
          );
          assert.ok(
            seen.sampleLengths.every((value) => value > 100),
            'sample paths drawn',
          );
          assert.equal(seen.bands.length, seen.fitWidths.length, 'an interval band with every fitted line');
          assert.ok(seen.phases >= 4 * metrics.length, 'phases shaded');
          assert.ok(
            seen.chartWidths.every((value) => value > 0 && value <= width),
            'charts fit the window',
          );
          // The headline names the fastest-growing metric: the leak is anonymous memory, so proc.rss and
          // proc.rssAnon grow alike and either may lead by a few bytes (one run named rssAnon at 4.94 KB/conn).
          assert.match(seen.headline, /LEAK\s*connect-churn leaks: proc\.rss(Anon)? grows/);
          assert.ok(
            seen.scrollWidth <= width,
            `no sideways scrolling at ${width}px (page is ${seen.scrollWidth}px wide)`,
          );
          const shot = path.join(dir, `leak-${width}.png`);
          await tab.screenshot({ path: shot, fullPage: true });
          assert.ok((await stat(shot)).size > 20_000, 'a screenshot with something on it');
          await tab.close();
        }
      } finally {
        await browser.close();
      }
    },
  );

  test('JUnit: valid XML, a case per scenario × metric, <failure> for LEAK with the reason', async () => {
    const xml = await readFile(path.join(dir, 'leak.xml'), 'utf8');
    const doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(xml, 'text/xml');
    const cases = Array.from(doc.getElementsByTagName('testcase')).filter(
      (element) => element.getAttribute('classname') === 'connect-churn',
    );
    const metrics = leak.report?.scenarios[0]?.metrics ?? [];
    // A case per metric, then the self-check's case (mqleak's own memory).
    assert.deepEqual(
      cases.map((element) => element.getAttribute('name')),
      [...metrics.map((metric) => metric.name), 'self'],
    );
    const failures = Array.from(doc.getElementsByTagName('failure')).filter(
      (element) => element.getAttribute('type') === 'LEAK',
    );
    assert.deepEqual(
      failures.map((element) => element.getAttribute('message')),
      metrics.filter((metric) => metric.verdict === 'leak').map((metric) => metric.reason),
    );
    const cleanXml = new DOMParser({ onError: onErrorStopParsing }).parseFromString(
      await readFile(path.join(dir, 'clean.xml'), 'utf8'),
      'text/xml',
    );
    assert.equal(cleanXml.getElementsByTagName('failure').length, 0, 'no failure for the clean run');
  });

  test(
    'thresholds as written: the leaky run breaks rss<=1KB/op and holds fds<=0.01/op; the ' +
      'clean run holds rss<=1MB/op',
    () => {
      assert.deepEqual(
        leak.report?.thresholds?.map((result) => [result.expression, result.status]),
        [
          ['connect-churn:rss<=1KB/op', 'fail'],
          ['connect-churn:fds<=0.01/op', 'pass'],
        ],
      );
      assert.match(leak.stdout, /thresholds: 1 of 2 broken/);
      // Written with the bare name older reports use; judged and shown as the proc probe's metric.
      assert.match(
        leak.stdout,
        /✗ connect-churn:rss<=1KB\/op broken: proc\.rss [\d.]+ KB\/op, over the limit <= 1 KB\/op/,
      );
      assert.deepEqual(
        clean.report?.thresholds?.map((result) => result.status),
        ['pass'],
      );
      assert.equal(clean.code, clean.report?.exitCode, 'a threshold that held changes nothing');
    },
  );

  test(
    'a broken threshold alone fails the run: exit 1 on a run whose verdict is INCONCLUSIVE ' +
      '(a scenario file’s limits:)',
    async () => {
      // Three measured cycles are too few for any verdict, but plenty for an estimate to break a limit.
      const file = path.join(dir, 'gated.yaml');
      await writeFile(
        file,
        'name: gated-churn\ndescription: connect churn with a limit\npattern: connect-churn\n' +
          'limits:\n  - rss<=1KB/op\n',
      );
      const result = await runCli([
        'run',
        '--quick',
        file,
        '--broker',
        leakyBroker.url,
        '--pid',
        String(leakyBroker.pid),
        '--no-html',
        ...SHORT_RUN,
        '--threshold',
        '*:fds<=0.01/op',
      ]);
      assert.equal(result.report?.verdict, 'inconclusive', result.stdout);
      assert.deepEqual(
        result.report?.thresholds?.map((entry) => [entry.expression, entry.source, entry.status]),
        [
          ['gated-churn:fds<=0.01/op', 'command-line', 'pass'],
          ['gated-churn:rss<=1KB/op', 'scenario-file', 'fail'],
        ],
      );
      assert.equal(result.code, EXIT_LEAK);
      assert.equal(result.report?.exitCode, EXIT_LEAK);
      assert.match(result.stdout, /verdict: INCONCLUSIVE \(exit 1\) — 1 threshold broken/);
    },
  );

  test(
    'compare: the leaky report against the clean one regresses (exit 1); a report against ' +
      'itself does not (exit 0)',
    async () => {
      const worse = await cli(['compare', cleanFile, leakFile]);
      assert.equal(worse.code, EXIT_LEAK, worse.stdout + worse.stderr);
      assert.match(worse.stdout, /REGRESSION connect-churn\/proc\.rss/);
      assert.match(worse.stdout, /compare: \d+ regressions? \(exit 1\)/);
      const same = await cli(['compare', leakFile, leakFile]);
      assert.equal(same.code, 0, same.stdout);
      assert.match(same.stdout, /compare: no regression \(exit 0\)/);
      const better = await cli(['compare', leakFile, cleanFile, '--json']);
      assert.equal(better.code, 0);
      const comparison = JSON.parse(better.stdout) as {
        regressions: number;
        improvements: number;
        rows: { metric: string; result: string }[];
      };
      assert.equal(comparison.regressions, 0);
      assert.ok(comparison.improvements > 0);
    },
  );

  test('compare and report refuse what is not a readable report: exit 64, one line naming the file', async () => {
    const notReport = path.join(dir, 'not-a-report.json');
    await writeFile(notReport, '{"hello": "world"}\n');
    for (const args of [
      ['compare', notReport, leakFile],
      ['compare', leakFile, path.join(dir, 'missing.json')],
      ['report', notReport],
    ]) {
      const result = await cli(args);
      assert.equal(result.code, EXIT_USAGE, args.join(' '));
      const lines = result.stderr.split('\n').filter((line) => line.startsWith('mqleak:'));
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', /(not-a-report|missing)\.json/);
    }
  });

  test('report: the saved report as the table, as HTML, and as a gate with --threshold', async () => {
    const table = await cli(['report', leakFile]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /connect-churn.*rss.*LEAK/);
    const html = path.join(dir, 'again.html');
    const rendered = await cli(['report', leakFile, '--html', html]);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.match(await readFile(html, 'utf8'), /<svg class="chart-svg"/);
    const gate = await cli(['report', cleanFile, '--threshold', '*:rss<=1MB/op']);
    assert.equal(gate.code, 0, gate.stdout);
    const broken = await cli(['report', leakFile, '--threshold', '*:rss<=64B/op']);
    assert.equal(broken.code, EXIT_LEAK);
    assert.match(broken.stdout, /✗ connect-churn:rss<=64B\/op broken/);
  });

  test('no terminal: plain progress lines per cycle with the running slope', () => {
    assert.match(
      leak.stderr,
      /^ {2}cycle \d+\/10: [\d,]+ ops @ [\d,.]+\/s, rss floor [\d.]+ MB, slope so far \+[\d.]+ KB\/op/m,
    );
    assert.doesNotMatch(leak.stderr, /\r|\u001b\[2K/, 'nothing redrawn in a log');
  });
});

test('a threshold in the wrong form: exit 64 before any connection, naming the flag and the form', async () => {
  const result = await runCli(['run', '--quick', 'connect-churn', '--threshold', 'rss>64B']);
  assert.equal(result.code, EXIT_USAGE);
  const lines = result.stderr.split('\n').filter((line) => line.startsWith('mqleak:'));
  assert.deepEqual(lines, ['mqleak: --threshold rss>64B: expected [SCENARIO|*:]METRIC<=NUMBER UNIT/op or /h']);
  assert.match(result.stderr, /hint: the form is .*connect-churn:rss<=64B\/op/);
  const unknown = await runCli(['run', '--quick', 'connect-churn', '--threshold', 'nope:rss<=64B/op']);
  assert.equal(unknown.code, EXIT_USAGE);
  assert.match(unknown.stderr, /--threshold nope:rss<=64B\/op: no scenario named 'nope' in this run/);
});
