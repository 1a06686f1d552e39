// The scenario file narrowing writes loads back as a scenario that runs only the narrowed case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { loadScenario } from '../../../src/scenario/load-scenario.js';
import { reproName, writeReproFile } from '../../../src/run/repro-file.js';
import { REJECTION_VARIANT_SPACE } from '../../../src/patterns/rejected-connect.js';

test(
  'rejected-connect narrowed to bad-password+will: ' + 'a file `mqleak run FILE` reads, running that case alone',
  async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-repro-'));
    try {
      const scenario = await loadScenario('rejected-connect', false);
      const families = REJECTION_VARIANT_SPACE.families(scenario.params);
      assert.equal(families.length, 18, 'nine refusals, with and without a will');
      assert.ok(families.includes('bad-password+will'));
      const [only] = REJECTION_VARIANT_SPACE.cases(scenario.params, 'bad-password+will');
      assert.equal(only?.id, 'bad-password+will');
      assert.match(only?.bytesHex ?? '', /^10[0-9a-f]+$/, 'a CONNECT (0x10) in hex');
      const params = { ...REJECTION_VARIANT_SPACE.restrict(scenario.params, 'bad-password+will'), cycles: 8 };
      const file = await writeReproFile(dir, scenario, 'bad-password+will', only?.description ?? '', params);
      assert.equal(path.basename(file), `${reproName('rejected-connect', 'bad-password+will')}.yaml`);
      assert.match(await readFile(file, 'utf8'), /^# Written by mqleak's narrowing/);
      const loaded = await loadScenario(file, false);
      assert.equal(loaded.pattern.name, 'rejected-connect');
      assert.equal(loaded.params.variant, 'bad-password');
      assert.equal(loaded.params.will, 'with');
      assert.equal(loaded.params.cycles, 8);
      assert.deepEqual(REJECTION_VARIANT_SPACE.families(loaded.params), ['bad-password+will'], 'only that case');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
