// Bad input: one line naming the cause and what to do, the documented exit code, no stack trace.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const EXIT_TARGET_FAILED = 3;
const EXIT_USAGE = 64;

function assertOneLineError(stderr: string, pattern: RegExp): void {
  const errorLines = stderr.split('\n').filter((line) => line.startsWith('mqleak:'));
  assert.equal(errorLines.length, 1, `exactly one error line, got:\n${stderr}`);
  assert.match(errorLines[0] ?? '', pattern);
  assert.doesNotMatch(stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace without --verbose');
}

test('unknown scenario: exit 64, names it and lists the known ones', async () => {
  const result = await runCli(['run', 'no-such-scenario']);
  assert.equal(result.code, EXIT_USAGE);
  assertOneLineError(result.stderr, /unknown scenario 'no-such-scenario'/);
  assert.match(result.stderr, /health-check-churn/);
});

test('unknown option: exit 64 in one line', async () => {
  const result = await runCli(['run', '--no-such-flag']);
  assert.equal(result.code, EXIT_USAGE);
  assertOneLineError(result.stderr, /--no-such-flag/);
});

test('bad --set value: exit 64, names the parameter and what it accepts', async () => {
  const result = await runCli(['run', 'connect-churn', '--set', 'concurrency=0']);
  assert.equal(result.code, EXIT_USAGE);
  assertOneLineError(result.stderr, /--set concurrency=0: concurrency must be an integer from 1 to 10000/);
});

test('unknown --set key: exit 64, lists the known parameters', async () => {
  const result = await runCli(['run', 'connect-churn', '--set', 'colour=blue']);
  assert.equal(result.code, EXIT_USAGE);
  assertOneLineError(result.stderr, /unknown parameter 'colour'/);
  assert.match(result.stderr, /operationsPerCycle/);
});

test('bad scenario file: exit 64, names the file, the field path and the allowed values', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-scenario-'));
  const file = path.join(dir, 'bad.yaml');
  await writeFile(
    file,
    'name: bad\ndescription: a broken file\npattern: connect-churn\nparameters:\n  ' +
      'closeMode: sideways\n  abruptShare: 2\n',
  );
  const result = await runCli(['run', file]);
  assert.equal(result.code, EXIT_USAGE);
  assertOneLineError(result.stderr, /bad\.yaml: parameters/);

  await writeFile(
    file,
    'name: bad\ndescription: a broken file\npattern: connect-churn\nparameters:\n  abruptShare: 2\n',
  );
  const range = await runCli(['run', file]);
  assert.equal(range.code, EXIT_USAGE);
  assertOneLineError(range.stderr, /bad\.yaml: parameters\.abruptShare: must be <= 1/);
  assert.match(range.stderr, /abruptShare: a number from 0 to 1/);

  await writeFile(file, 'name: bad\ndescription: x\npattern: teleport\n');
  const pattern = await runCli(['run', file]);
  assert.equal(pattern.code, EXIT_USAGE);
  assertOneLineError(pattern.stderr, /bad\.yaml: pattern/);
  assert.match(pattern.stderr, /allowed patterns: .*connect-churn/);
});

test('a port with no listener: exit 3 (target failed), a report is still written', async () => {
  const port = await freePort();
  const result = await runCli(['run', '--quick', 'connect-churn', '--broker', `mqtt://127.0.0.1:${port}`]);
  assert.equal(result.code, EXIT_TARGET_FAILED);
  assertOneLineError(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)`));
  assert.equal(result.report?.verdict, 'error');
  assert.equal(result.report?.exitCode, EXIT_TARGET_FAILED);
});

test('a PID that does not exist: exit 64 naming the flag', async () => {
  const result = await runCli(['run', '--quick', 'connect-churn', '--pid', '999999999']);
  assert.equal(result.code, EXIT_USAGE);
  assertOneLineError(result.stderr, /--pid 999999999: no such process/);
});

test('--spawn of a command that exits at once: exit 3 with its exit status', async () => {
  const port = await freePort();
  const result = await runCli([
    'run',
    '--quick',
    'connect-churn',
    '--spawn',
    'sh -c "echo broker failed to bind >&2; exit 7"',
    '--broker',
    `mqtt://127.0.0.1:${port}`,
  ]);
  assert.equal(result.code, EXIT_TARGET_FAILED);
  assertOneLineError(result.stderr, /exited with code 7: broker failed to bind/);
});

test('--verbose adds the stack trace', async () => {
  const result = await runCli(['run', 'no-such-scenario', '--verbose']);
  assert.equal(result.code, EXIT_USAGE);
  assert.match(result.stderr, /\n\s+at .+:\d+:\d+/);
});
