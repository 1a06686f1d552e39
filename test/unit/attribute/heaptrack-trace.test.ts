// The trace replay on a trace in heaptrack_interpret's own format (file format 3): live bytes per stack at cuts,
// counted as glibc malloc chunks; stacks walked from the allocating frame up; inlined frames kept.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { mallocChunkBytes, replayTrace } from '../../../src/attribute/heaptrack-trace.js';

// Two stacks: grow() (main → grow) allocates 0x100 bytes per event and never frees; churn() allocates and frees.
const TRACE = [
  'v 10400 3',
  'X ./broker',
  's d /usr/bin/broker',
  's 4 main',
  's 4 grow',
  's 8 broker.c',
  's 5 churn',
  'i 1000 1 2 4 a', // main at broker.c:10
  't 1 0',
  'i 1010 1 3 4 14 2 4 15', // grow at broker.c:20, inlined into main at broker.c:21
  't 2 1',
  'i 1020 1 5 4 1e', // churn at broker.c:30
  't 3 1',
  'a 100 2',
  'a 18 3',
  'c 0',
  '+ 0',
  '+ 1',
  'c a',
  '+ 0',
  '- 1',
  '+ 1',
  'c 14',
  '+ 0',
  '+ 0',
  '- 1',
  'c 1e',
].join('\n');

test('mallocChunkBytes: the 8-byte header, rounded to 16, at least 32', () => {
  assert.equal(mallocChunkBytes(256), 272);
  assert.equal(mallocChunkBytes(1), 32);
  assert.equal(mallocChunkBytes(24), 32);
  assert.equal(mallocChunkBytes(25), 48);
});

test('replayTrace: live bytes per stack at each cut, frames innermost first', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-trace-'));
  try {
    const file = path.join(dir, 'trace.txt');
    await writeFile(file, `${TRACE}\n`);
    const replay = await replayTrace(file, [5, 10, 25, 1000]);
    const chunk = mallocChunkBytes(0x100);
    const small = mallocChunkBytes(0x18);
    // A cut is taken at the first timestamp at or after it: the events before that line.
    assert.deepEqual(
      [...(replay.liveByCut[0] ?? new Map())],
      [
        [2, chunk],
        [3, small],
      ].filter(([, b]) => b > 0),
    );
    assert.equal(replay.liveByCut[1]?.get(2), chunk);
    assert.equal(replay.liveByCut[2]?.get(2), 4 * chunk);
    assert.equal(replay.liveByCut[2]?.get(3) ?? 0, 0);
    assert.deepEqual(replay.reached, [true, true, true, false], 'the last cut lies past the end of the trace');
    const stack = replay.stackOf(2);
    assert.deepEqual(
      stack.ips.map((ip) => ip.frames.map((frame) => `${frame.function}@${frame.file}:${frame.line}`)),
      [['grow@broker.c:20', 'main@broker.c:21'], ['main@broker.c:10']],
    );
    assert.equal(stack.ips[0]?.module, '/usr/bin/broker');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
