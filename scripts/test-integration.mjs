#!/usr/bin/env node
// The integration suite in two lanes that run side by side, each one file at a time: one for the garbage-collected
// (Node) brokers, one for everything else. Why two, and why split this way: docs/development.md "Integration lanes".
// `--lanes 1` (or MQLEAK_TEST_LANES=1) runs every file in one lane, as before; extra arguments are test files.
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
  'attribution-node.test.ts',
  'embedded.test.ts',
  'families-narrowing.test.ts',
  'fixture-verdicts.test.ts',
  'report-outputs.test.ts',
  'scenarios-connections-fixture.test.ts',
  'scenarios-messages-fixture.test.ts',
  'soak.test.ts',
  'verdict-cache.test.ts',
  'verdict-gc-no-hook.test.ts',
];

function parseArgs(argv) {
  let lanes = Number(process.env.MQLEAK_TEST_LANES ?? 2);
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lanes') lanes = Number(argv[++i]);
    else files.push(argv[i]);
  }
  if (lanes !== 1 && lanes !== 2) {
    process.stderr.write(`test-integration: --lanes must be 1 or 2, got ${lanes}\n`);
    process.exit(64);
  }
  return { lanes, files };
}

function allFiles() {
  return readdirSync(path.join(ROOT, DIR))
    .filter((name) => name.endsWith('.test.ts'))
    .sort();
}

function checkLaneList() {
  const missing = NODE_BROKER_LANE.filter((name) => !existsSync(path.join(ROOT, DIR, name)));
  if (missing.length > 0) {
    process.stderr.write(`test-integration: NODE_BROKER_LANE names missing files: ${missing.join(', ')}\n`);
    process.exit(64);
  }
}

/** Runs one lane's files with node's test runner, one at a time; each output line is prefixed with the lane. */
function runLane(label, files) {
  if (files.length === 0) return Promise.resolve({ label, code: 0, seconds: 0 });
  const started = Date.now();
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...files.map((f) => path.join(DIR, f))];
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

const { lanes, files } = parseArgs(process.argv.slice(2));
checkLaneList();
const chosen = files.length > 0 ? files.map((f) => path.basename(f)) : allFiles();
const plan =
  lanes === 1
    ? [['all', chosen]]
    : [
        ['node', chosen.filter((f) => NODE_BROKER_LANE.includes(f))],
        ['other', chosen.filter((f) => !NODE_BROKER_LANE.includes(f))],
      ];
const results = await Promise.all(plan.map(([label, list]) => runLane(label, list)));
for (const { label, code, seconds } of results) {
  process.stdout.write(`lane ${label}: exit ${code} after ${seconds.toFixed(0)} s\n`);
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
