// Which attribution tool a broker gets, decided before any connection: from the --spawn command's program or the
// target kind; --no-proc refused with exit 64; runtimes without a tool get a plan that says so (never silence).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isMqleakError } from '../../../src/core/errors.js';
import { beginAttribution, planAttribution, spawnedProgram } from '../../../src/run/attribution.js';
import { prepareRun } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/load-scenario.js';

test('spawnedProgram: the program past env and VAR=value words', () => {
  assert.equal(spawnedProgram('mosquitto -c /etc/mosquitto.conf'), 'mosquitto');
  assert.equal(spawnedProgram('env FOO=1 BAR=2 /usr/bin/node broker.mjs'), '/usr/bin/node');
  assert.equal(spawnedProgram('JAVA_OPTS=-Xmx1g java -jar activemq.jar'), 'java');
});

test('--attribute with --no-proc: exit 64 saying why', async () => {
  await assert.rejects(
    planAttribution({ broker: 'mqtt://127.0.0.1:1883', noProc: true }, true),
    (error) => isMqleakError(error) && error.exitCode === 64 && /--no-proc/.test(error.message),
  );
});

test('no --attribute: no plan', async () => {
  assert.equal(await planAttribution({ spawn: 'mosquitto' }, false), null);
});

test('Erlang brokers: no tool in this version, a note with the probe to use instead', async () => {
  for (const [spawn, runtime, probe] of [
    ['/usr/lib/erlang/erts/bin/beam.smp -- -root', 'erlang', /--probe cmd:/],
  ] as const) {
    const plan = await planAttribution({ spawn }, true);
    assert.deepEqual(plan, { runtime, via: null });
    const begun = await beginAttribution(plan!, { spawn });
    assert.equal(begun.active.session, null);
    assert.equal(begun.active.tool, 'none');
    assert.match(begun.active.note ?? '', /not available/);
    assert.match(begun.active.note ?? '', probe);
    assert.equal(begun.target.spawnAssignments, undefined, 'nothing preloaded');
  }
});

test('JVM brokers: class histograms through jcmd (spawned or --pid); without jcmd a note with the hint', async () => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'mqleak-jcmd-'));
  await writeFile(path.join(folder, 'jcmd'), '#!/bin/sh\n', { mode: 0o755 });
  const savedPath = process.env.PATH;
  try {
    process.env.PATH = folder;
    const plan = await planAttribution({ spawn: 'java -jar broker.jar' }, true);
    assert.deepEqual(plan, { runtime: 'jvm', via: 'spawn' });
    const begun = await beginAttribution(plan!, { spawn: 'java -jar broker.jar' });
    assert.equal(begun.active.tool, 'jcmd-class-histogram');
    assert.equal(begun.active.note, null);
    assert.equal(begun.target.spawnAssignments, undefined, 'nothing preloaded: jcmd attaches by PID');
    process.env.PATH = path.join(folder, 'none');
    const without = await planAttribution({ spawn: 'java -jar broker.jar' }, true);
    assert.deepEqual(without, { runtime: 'jvm', via: null });
    const note = (await beginAttribution(without!, { spawn: 'java -jar broker.jar' })).active;
    assert.equal(note.tool, 'none');
    assert.match(note.note ?? '', /not available for this jvm broker: .*jcmd.*not on the PATH/);
    assert.match(note.note ?? '', /apt-get install openjdk-17-jdk-headless/);
    assert.match(note.note ?? '', /jvm\.heapUsed/);
  } finally {
    process.env.PATH = savedPath;
    await rm(folder, { recursive: true, force: true });
  }
});

test('Node brokers: heap snapshots over the inspector (--spawn) or IPC (embedded); a --pid gets a note', async () => {
  const spawned = await planAttribution({ spawn: 'node broker.mjs' }, true);
  assert.deepEqual(spawned, { runtime: 'node', via: 'spawn' });
  const begun = await beginAttribution(spawned!, { spawn: 'node broker.mjs' });
  assert.equal(begun.active.tool, 'v8-heap-snapshot');
  assert.match(begun.target.spawnAssignments ?? '', /NODE_OPTIONS="\$NODE_OPTIONS --inspect=127\.0\.0\.1:0"/);
  // The embedded broker is Aedes on Node: its IPC channel carries the snapshot requests.
  const embedded = await planAttribution({}, true);
  assert.deepEqual(embedded, { runtime: 'node', via: 'embedded' });
  assert.equal((await beginAttribution(embedded!, {})).target.spawnAssignments, undefined);
  // This test runs on node: attached by --pid, there is no inspector to reach.
  const attached = await planAttribution({ pid: process.pid }, true);
  assert.deepEqual(attached, { runtime: 'node', via: null });
  const note = (await beginAttribution(attached!, { pid: process.pid })).active.note ?? '';
  assert.match(note, /not available/);
  assert.match(note, /--spawn "node \.\.\."/);
  assert.match(note, /--probe cmd:/);
});

test('a scenario file may ask for attribution: attribute: true', () => {
  const text = 'name: x\ndescription: d\npattern: connect-churn\nattribute: true\n';
  assert.equal(parseScenario(text, 'x.yaml', false, false).attribute, true);
  assert.equal(parseScenario(text.replace('attribute: true\n', ''), 'x.yaml', false, false).attribute, false);
});

test('--attribute with --soak: exit 64 saying why, before any connection (a soak has no floors)', async () => {
  await assert.rejects(
    prepareRun({
      scenarios: ['connect-churn'],
      quick: true,
      overrides: [],
      target: { spawn: 'node broker.mjs', broker: 'mqtt://127.0.0.1:1' },
      attribute: true,
      soakMs: 60_000,
    }),
    (error) =>
      isMqleakError(error) &&
      error.exitCode === 64 &&
      /--soak/.test(error.message) &&
      /drop --soak/.test(error.hint ?? ''),
  );
});
