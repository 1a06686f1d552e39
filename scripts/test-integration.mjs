#!/usr/bin/env node
// The integration suite in three lanes that run side by side, each one file at a time: the garbage-collected (Node)
// brokers, short checks that mostly wait (signals, usage errors, hung brokers), and everything else. Why, and why
// split this way: docs/development.md "Integration lanes". `--lanes 1` (or MQLEAK_TEST_LANES=1) runs every file in
// one lane, as before; extra arguments are test files.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIR = 'test/integration';

/**
 * Files whose broker is a garbage-collected Node process (the fixture or the embedded Aedes). Their verdicts rest
 * on noisy RSS floors, so they share one lane and never run beside each other; the other lane's brokers (C, Erlang)
 * and CLI checks do not depend on that noise.
 */
const NODE_BROKER_LANE = [
  'embedded.test.ts',
  'families-narrowing.test.ts',
  'fixture-verdicts.test.ts',
  // Its leaks are far above the fixture's noise, but its busy fixture (about 190 s) made the node lane's clean
  // fixture runs worse: beside it in the light lane, a clean family of families-narrowing's fixture read LEAK.
  'protocol-errors-narrowing.test.ts',
  'scenarios-connections-fixture.test.ts',
  'scenarios-messages-fixture.test.ts',
  'soak.test.ts',
  'verdict-gc-no-hook.test.ts',
];

/**
 * Short files that spend their time waiting (a signal's effect, a bound running out, a usage error): they load
 * little, so they run beside the two heavy lanes instead of adding their minutes to one of them.
 */
const LIGHT_LANE = [
  'broker-restart.test.ts',
  'report-outputs.test.ts',
  'cli-errors.test.ts',
  'connect-churn-lean.test.ts',
  'hostile-broker.test.ts',
  'report-progress-tty.test.ts',
  'report-writing.test.ts',
  'scale-mass-connect.test.ts',
  'signals.test.ts',
  'silent-broker.test.ts',
  // Not light, but balancing: a C broker's fixed leak, TLS/WebSocket listeners, and a bounded cache whose 2 KB per
  // connection stands far above the fixture's noise (the other two lanes took 1,390 s and 1,400 s, this one 577 s).
  'transports-mosquitto.test.ts',
  'verdict-c-leak.test.ts',
  'verdict-cache.test.ts',
];

function parseArgs(argv) {
  let lanes = Number(process.env.MQLEAK_TEST_LANES ?? 3);
  let withUnit = false;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lanes') lanes = Number(argv[++i]);
    else if (argv[i] === '--with-unit') withUnit = true;
    else files.push(argv[i]);
  }
  if (lanes !== 1 && lanes !== 3) {
    process.stderr.write(`test-integration: --lanes must be 1 or 3, got ${lanes}\n`);
    process.exit(64);
  }
  return { lanes, withUnit, files };
}

function allFiles() {
  return readdirSync(path.join(ROOT, DIR))
    .filter((name) => name.endsWith('.test.ts'))
    .sort();
}

function checkLaneList() {
  const missing = [...NODE_BROKER_LANE, ...LIGHT_LANE].filter((name) => !existsSync(path.join(ROOT, DIR, name)));
  if (missing.length > 0) {
    process.stderr.write(`test-integration: a lane list names missing files: ${missing.join(', ')}\n`);
    process.exit(64);
  }
}

/** The unit tests (pure, CPU only), run first in the light lane with --with-unit; `npm run test:unit` runs the same. */
const UNIT_FILES = () =>
  readdirSync(path.join(ROOT, 'test/unit'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) =>
      readdirSync(path.join(ROOT, 'test/unit', entry.name))
        .filter((name) => name.endsWith('.test.ts'))
        .map((name) => path.join('test/unit', entry.name, name)),
    )
    .sort();

/** Runs one lane's files with node's test runner, one at a time; each output line is prefixed with the lane. */
async function runLane(label, files, unitFirst = false) {
  if (unitFirst) {
    const unit = await runFiles(`${label}/unit`, UNIT_FILES());
    const rest = await runFiles(
      label,
      files.map((f) => path.join(DIR, f)),
    );
    return { label, code: unit.code || rest.code, seconds: unit.seconds + rest.seconds };
  }
  return runFiles(
    label,
    files.map((f) => path.join(DIR, f)),
  );
}

function runFiles(label, paths) {
  if (paths.length === 0) return Promise.resolve({ label, code: 0, seconds: 0 });
  const started = Date.now();
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...paths];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) out.write(`[${label}] ${line}\n`);
    });
    stream.on('end', () => rest && out.write(`[${label}] ${rest}\n`));
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  return new Promise((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ label, code: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 }),
    );
  });
}

const { lanes, withUnit, files } = parseArgs(process.argv.slice(2));
checkLaneList();
const chosen = files.length > 0 ? files.map((f) => path.basename(f)) : allFiles();
const plan =
  lanes === 1
    ? [['all', chosen]]
    : [
        ['node', chosen.filter((f) => NODE_BROKER_LANE.includes(f))],
        ['light', chosen.filter((f) => LIGHT_LANE.includes(f))],
        ['other', chosen.filter((f) => !NODE_BROKER_LANE.includes(f) && !LIGHT_LANE.includes(f))],
      ];
const results = await Promise.all(
  plan.map(([label, list]) => runLane(label, list, withUnit && (label === 'light' || label === 'all'))),
);
for (const { label, code, seconds } of results) {
  process.stdout.write(`lane ${label}: exit ${code} after ${seconds.toFixed(0)} s\n`);
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
