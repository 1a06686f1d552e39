// Atomic report writing and the check before any load, on the real filesystem.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isMqleakError } from '../../../src/core/errors.js';
import { checkWritable, writeFileAtomic } from '../../../src/report/write-atomic.js';

test('writeFileAtomic: replaces the file whole, makes the folder, leaves no temporary file', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-atomic-'));
  const file = path.join(dir, 'sub', 'r.json');
  await writeFileAtomic(file, 'first');
  await writeFileAtomic(file, 'second');
  assert.equal(await readFile(file, 'utf8'), 'second');
  assert.deepEqual(await readdir(path.dirname(file)), ['r.json']);
  await rm(dir, { recursive: true, force: true });
});

test('writeFileAtomic into a path under a file: throws, and the earlier file is untouched', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-atomic-'));
  const blocker = path.join(dir, 'blocker');
  await writeFile(blocker, 'keep');
  await assert.rejects(writeFileAtomic(path.join(blocker, 'r.json'), 'x'), { code: 'EEXIST' });
  assert.equal(await readFile(blocker, 'utf8'), 'keep');
  await rm(dir, { recursive: true, force: true });
});

test(
  'checkWritable: a folder in the way and a path under a file are ' + 'usage errors naming the flag and path',
  async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-atomic-'));
    const blocker = path.join(dir, 'blocker');
    await writeFile(blocker, 'keep');
    for (const [file, pattern] of [
      [dir, /--json .*: is a folder, not a file/],
      [
        path.join(blocker, 'r.json'),
        /--json .*blocker\/r\.json: cannot write a report there: a file is in the way of its folder \(EEXIST\)/,
      ],
    ] as const) {
      await assert.rejects(checkWritable(file, '--json'), (error: unknown) => {
        assert.ok(isMqleakError(error));
        assert.equal(error.exitCode, 64);
        assert.match(error.message, pattern);
        return true;
      });
    }
    await checkWritable(path.join(dir, 'new', 'r.json'), '--json');
    assert.deepEqual((await readdir(path.join(dir, 'new'))).length, 0, 'the probe file is removed');
    await rm(dir, { recursive: true, force: true });
  },
);
