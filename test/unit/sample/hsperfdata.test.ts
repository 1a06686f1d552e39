// The JVM's perf counters (hsperfdata) read from a real file: test/fixtures/jvm/hsperfdata.bin, copied from
// /tmp/hsperfdata_root/PID of a JDK 17 `java Sleep.java` (G1) while `jstat -gc PID` printed EU 12288.0 (KB) and
// S0U, S1U, OU 0.0: the used heap the jvm probe judges is that sum.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { heapUsedBytes, parsePerfData } from '../../../src/sample/hsperfdata.js';
import { parseProbeSpec } from '../../../src/sample/probe-spec.js';
import { isMqleakError } from '../../../src/core/errors.js';
import { REPO_ROOT } from '../../helpers/brokers.js';

const REAL = readFileSync(path.join(REPO_ROOT, 'test/fixtures/jvm/hsperfdata.bin'));
const JSTAT_EU_KB = 12288;

test('a real perf data file: the long counters by name, the heap in use as jstat -gc adds it', () => {
  const counters = parsePerfData(REAL);
  assert.equal(counters.get('sun.gc.generation.0.space.0.used'), JSTAT_EU_KB * 1024);
  assert.equal(counters.get('sun.gc.generation.1.space.0.used'), 0);
  assert.equal(counters.get('sun.gc.generation.0.spaces'), 3, 'G1: eden and two survivors');
  assert.equal(heapUsedBytes(counters), JSTAT_EU_KB * 1024);
});

test('not a perf data file, or no heap counters: said, not guessed', () => {
  assert.throws(() => parsePerfData(Buffer.from('#instances #bytes class name\n'.repeat(4))), /0xcafec0c0/);
  assert.equal(heapUsedBytes(new Map([['sun.gc.metaspace.used', 10]])), null);
});

test('--probe jvm and jvm:PID; anything else after jvm: refused naming the flag (exit 64)', () => {
  assert.deepEqual(parseProbeSpec('jvm'), { text: 'jvm', kind: 'jvm', arg: null, name: null, as: null });
  assert.equal(parseProbeSpec('jvm:4242').arg, '4242');
  assert.throws(
    () => parseProbeSpec('jvm:java'),
    (error) =>
      isMqleakError(error) && error.exitCode === 64 && /--probe jvm:java: jvm takes the JVM's PID/.test(error.message),
  );
});
