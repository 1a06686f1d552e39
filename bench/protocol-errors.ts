// protocol-errors benchmarks (issue 14): cases per second and wall time of the default run against
// Debian's Mosquitto, families and cases covered, each fixture leak shape found or missed (with its
// bytes/op), and the false-LEAK count over N default runs on clean brokers. Prints one JSON object; no
// pass/fail. Every process started is stopped by PID; traffic stays on 127.0.0.1 (free ports).
//   npm run bench:protocol                                   # everything, one clean run per clean broker
//   npm run bench:protocol -- --parts coverage,mosquitto     # parts: coverage, mosquitto, shapes, false-leaks
//   npm run bench:protocol -- --parts false-leaks --runs 20  # N default runs on each clean broker
//   npm run bench:protocol -- --parts false-leaks --runs 20 --quick --brokers mosquitto --budget-seconds 600
//     # `--quick`: the form `mqleak run` with no scenario named uses (the quick suite); `--brokers`: which clean
//     # brokers (mosquitto, fixture); `--budget-seconds`: start no run after that long (the runs done are counted)
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { RunReport } from '../src/core/report-model.js';
import { familyNames, walkFamily } from '../src/protocol/generator.js';
import { REPO_ROOT, startFixtureBroker, startMosquitto, type TestBroker } from '../test/helpers/brokers.js';
import { readReportFile } from '../src/report/read-report.js';

const { values } = parseArgs({
  options: {
    parts: { type: 'string', default: 'coverage,mosquitto,shapes,false-leaks' },
    runs: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    brokers: { type: 'string', default: 'mosquitto,fixture' },
    'budget-seconds': { type: 'string', default: '0' },
  },
});
const parts = new Set(String(values.parts).split(','));
const RUNS = Number(values.runs);
/** The false-LEAK runs: `--quick` as the quick suite runs it, or the scenario's defaults. */
const RUN_FORM = values.quick === true ? ['--quick'] : [];
const CLEAN_BROKERS = new Set(String(values.brokers).split(','));
/** No false-LEAK run starts after this many seconds (0: no bound). */
const BUDGET_MS = Number(values['budget-seconds']) * 1000;
/** One family per leak shape: the default run's per-family judging finds it there; here the walk is that family alone. */
const SHAPES: [mode: string, family: string, bytes: number][] = [
  ['property-prefix', 'connect-properties', 4096],
  ['refused-persistent', 'connect-fields', 4096],
  ['qos2-reuse', 'flow-control', 4096],
  ['surplus-connect', 'surplus', 16_384],
  ['subscribe-option', 'subscribe', 65_536],
];
const SHAPE_RUN = ['warmupCycles=2', 'cycles=6', 'baselineSeconds=0.5', 'settleSeconds=1', 'recoverySeconds=1.5'];

async function runMqleak(args: string[]): Promise<{ code: number | null; report: RunReport | null; wallMs: number }> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'mqleak-bench-pe-'));
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/mqleak.js'), ...args, '--out', out, '--no-html'], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallMs = Date.now() - started;
  const file = (await readdir(out)).find((name) => name.endsWith('.json'));
  const report = file === undefined ? null : await readReportFile(path.join(out, file));
  await rm(out, { recursive: true, force: true });
  return { code, report, wallMs };
}

function rssOf(report: RunReport | null) {
  const metric = report?.scenarios[0]?.metrics.find((m) => m.name === 'proc.rss');
  return { verdict: metric?.verdict ?? null, bytesPerOp: metric?.bytesPerOp ?? null, ci: metric?.ci ?? null };
}

async function withBroker<T>(start: () => Promise<TestBroker>, body: (broker: TestBroker) => Promise<T>): Promise<T> {
  const broker = await start();
  try {
    return await body(broker);
  } finally {
    await broker.stop();
  }
}

async function defaultRun(broker: TestBroker, form: readonly string[] = []) {
  const run = await runMqleak(['run', 'protocol-errors', ...form, '--broker', broker.url, '--pid', String(broker.pid)]);
  const scenario = run.report?.scenarios[0];
  const loadMs = (scenario?.cycles ?? []).reduce((sum, c) => sum + (c.loadEndMs - c.startMs), 0);
  const answered = Object.keys(scenario?.answers ?? {}).filter((name) => familyNames().includes(name)).length;
  return {
    exit: run.code,
    wallSeconds: Math.round(run.wallMs / 100) / 10,
    cases: scenario?.operations ?? 0,
    casesPerSecondOfLoad: loadMs > 0 ? Math.round(((scenario?.operations ?? 0) / loadMs) * 1000) : null,
    familiesAnswered: answered,
    rss: rssOf(run.report),
    verdict: run.report?.verdict ?? null,
    familiesLeak: (scenario?.families ?? []).filter((family) => family.verdict === 'leak').map((family) => family.name),
  };
}

const result: Record<string, unknown> = { node: process.version, startedAt: new Date().toISOString() };

if (parts.has('coverage')) {
  const families = familyNames().map((name) => {
    const family = walkFamily(name, { credentials: false, seed: 1 });
    return { name, baseCases: family.bases.length, cases: family.cases.length };
  });
  result.coverage = {
    families: families.length,
    baseCases: families.reduce((sum, f) => sum + f.baseCases, 0),
    cases: families.reduce((sum, f) => sum + f.cases, 0),
    casesWithCredentials: familyNames().reduce(
      (sum, name) => sum + walkFamily(name, { credentials: true, seed: 1 }).cases.length,
      0,
    ),
    perFamily: families,
  };
}

if (parts.has('mosquitto')) result.mosquittoDefaultRun = await withBroker(() => startMosquitto(), defaultRun);

if (parts.has('shapes')) {
  const shapes: unknown[] = [];
  for (const [mode, family, bytes] of SHAPES) {
    const run = await withBroker(
      () => startFixtureBroker(0, ['--leak-on', `${mode}=${bytes}`]),
      (broker) =>
        runMqleak([
          'run',
          'protocol-errors',
          '--broker',
          broker.url,
          '--pid',
          String(broker.pid),
          ...[...SHAPE_RUN, `families=${family}`].flatMap((s) => ['--set', s]),
        ]),
    );
    const rss = rssOf(run.report);
    shapes.push({ mode, family, injectedBytes: bytes, found: rss.verdict === 'leak', ...rss });
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-bench-pb-'));
  const binary = path.join(dir, 'property-broker');
  await promisify(execFile)('cc', [
    '-O2',
    '-o',
    binary,
    path.join(REPO_ROOT, 'test/fixtures/c-leak/property-broker.c'),
  ]);
  for (const leak of [true, false]) {
    const child = spawn(binary, ['--port', '0', ...(leak ? ['--leak'] : [])], { stdio: ['ignore', 'pipe', 'ignore'] });
    const port = await new Promise<number>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /listening on port (\d+)/.exec(chunk.toString());
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      }),
    );
    const run = await runMqleak([
      'run',
      'protocol-errors',
      '--broker',
      `mqtt://127.0.0.1:${port}`,
      '--pid',
      String(child.pid),
      ...[...SHAPE_RUN, 'families=connect-properties'].flatMap((s) => ['--set', s]),
    ]);
    child.kill('SIGTERM');
    const rss = rssOf(run.report);
    shapes.push({
      mode: leak ? 'native property-list leak' : 'native, no leak',
      family: 'connect-properties',
      found: rss.verdict === 'leak',
      ...rss,
    });
  }
  await rm(dir, { recursive: true, force: true });
  result.leakShapes = shapes;
}

if (parts.has('false-leaks')) {
  const runs: unknown[] = [];
  let falseLeaks = 0;
  const started = Date.now();
  const brokers = (
    [
      ['mosquitto', () => startMosquitto()],
      ['fixture', () => startFixtureBroker(0)],
    ] as const
  ).filter(([name]) => CLEAN_BROKERS.has(name));
  let stoppedByBudget = false;
  for (let i = 0; i < RUNS && !stoppedByBudget; i++) {
    for (const [name, start] of brokers) {
      if (BUDGET_MS > 0 && Date.now() - started > BUDGET_MS) {
        stoppedByBudget = true;
        break;
      }
      const run = await withBroker(start, (broker) => defaultRun(broker, RUN_FORM));
      // A false LEAK is the run's verdict, whichever metric or family made it.
      if (run.verdict === 'leak') falseLeaks++;
      runs.push({ broker: name, ...run });
      process.stderr.write(`run ${runs.length}: ${name} ${run.verdict} ${run.wallSeconds} s\n`);
    }
  }
  result.falseLeaks = {
    form: values.quick === true ? '--quick' : 'defaults',
    runsAsked: RUNS * brokers.length,
    runsDone: runs.length,
    stoppedByBudget,
    falseLeaks,
    runs,
  };
}

process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
