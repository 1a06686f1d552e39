// Reports are written safely: an unwritable --out / --json is found before any load (exit 64 naming it), and a
// disk that fills during the write gives exit 4 with a clear line while the report already there stays intact.
// The full disk is a real one: an 8 KiB tmpfs the test mounts (root only; skipped, saying so, otherwise).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const TEST_TIMEOUT_MS = 180_000;
const isRoot = process.getuid?.() === 0;

test('--json under a file (not a folder): exit 64 naming the path, before any load', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-unwritable-'));
  const file = path.join(dir, 'a-file');
  await writeFile(file, 'x');
  const result = await runCli(['run', 'connect-churn', '--quick', '--json', path.join(file, 'report.json')]);
  assert.equal(result.code, 64, result.stderr);
  assert.match(
    result.stderr,
    /--json .*a-file\/report\.json: cannot write a report there: a file is in the way of its folder \(EEXIST\)/,
  );
  assert.doesNotMatch(result.stderr, /target:|embedded/, 'no broker was started');
  assert.equal(
    result.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('  hint')).length,
    1,
    'one line',
  );
  assert.equal(result.report, null);
  await rm(dir, { recursive: true, force: true });
});

test('--out on a read-only filesystem: exit 64 naming the folder', {
  skip: !isRoot && 'needs root to mount',
}, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-ro-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', dir]);
  try {
    const result = await runCli(['run', 'connect-churn', '--quick', '--json', path.join(dir, 'r.json')]);
    assert.equal(result.code, 64, result.stderr);
    assert.match(result.stderr, /--json .*r\.json: cannot write a report there: a read-only filesystem \(EROFS\)/);
  } finally {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
});

test('a disk that fills during the write: exit 4, a clear line, the earlier report intact, the others written', {
  skip: !isRoot && 'needs root to mount a small tmpfs',
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-full-'));
  // Two pages: room for the earlier report and less than any run's report (a packed --quick one is ~50 KB).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', dir]);
  try {
    const earlier = path.join(dir, 'report.json');
    const earlierText = '{"schemaVersion":1,"earlier":true}\n';
    await writeFile(earlier, earlierText);
    const result = await runCli(['run', 'connect-churn', '--quick', '--json', earlier]);
    assert.equal(result.code, 4, result.stderr);
    assert.match(
      result.stderr,
      /cannot write the report to .*report\.json: the disk is full \(ENOSPC\); a report already there is left as it was/,
    );
    assert.equal(await readFile(earlier, 'utf8'), earlierText, 'the earlier report is intact');
    assert.deepEqual((await readdir(dir)).sort(), ['report.json'], 'no temporary file left behind');
    assert.ok(result.report !== null, 'the report in --out (another disk) was still written');
  } finally {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
});
