// Ground truth for protocol-errors: the fixture broker with its error-path leak modes, and a native MQTT
// server leaking on one property-list error path. Short walks with a GC hook (`--gc-cmd "kill -USR2 {pid}"`:
// the fixture's floors are post-GC), never the defaults (the default run is protocol-errors.test.ts's, on
// Debian's Mosquitto):
// - four modes at once, each reached by one family only, beside a family none of them reaches: each of the
//   four families is LEAK at its own size, the untouched one PASS (the per-family judging keeps them apart);
// - refused-persistent, which every refused clean-session-0 CONNECT reaches, on its own;
// - narrowing, for two modes, among cases that differ only in the position of the bad entry (a bad entry
//   with no valid one before it reaches neither mode): the case with the valid prefix is the one named,
//   with its bytes, and the scenario file narrowing writes reproduces the LEAK as `mqleak run FILE`;
// - the native server: LEAK with its --leak error path, PASS without.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { FamilyReport, MetricReport, RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { REPO_ROOT, startFixtureBroker, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const GC_HOOK = ['--gc-cmd', 'kill -USR2 {pid}'];
/** Short cycles: the silent way out holds 0.2 s (no mode here depends on how a client leaves). */
const SHORT = ['baselineSeconds=0.5', 'settleSeconds=0.5', 'recoverySeconds=1', 'silenceHoldMs=200'];
/**
 * A whole family per cycle: one warm-up round (the walk runs one family per cycle from the first, and a family's
 * first cycle fills its pool of persistent sessions), then two measured cycles per family.
 */
function familyShape(families: readonly string[]): string[] {
  return [
    `families=${families.join(',')}`,
    `warmupCycles=${Math.max(2, families.length)}`,
    `cycles=${Math.max(6, 2 * families.length)}`,
    'operationsPerCycle=150',
    'concurrency=75',
    ...SHORT,
  ];
}
/** A few chosen base cases, each with its 12 crossings: one round of them per cycle; six measured cycles. */
function caseShape(cases: readonly string[]): string[] {
  return [
    `cases=${cases.join(',')}`,
    'warmupCycles=2',
    'cycles=6',
    `operationsPerCycle=${12 * cases.length}`,
    `concurrency=${12 * cases.length}`,
    ...SHORT,
  ];
}

function sets(values: readonly string[]): string[] {
  return values.flatMap((value) => ['--set', value]);
}

function scenario(report: RunReport | null): ScenarioReport {
  const found = report?.scenarios[0];
  assert.ok(found, 'the report has the scenario');
  return found;
}

function rss(report: ScenarioReport | FamilyReport): MetricReport | FamilyReport['metrics'][number] {
  const found = report.metrics.find((metric) => metric.name === 'proc.rss');
  assert.ok(found, 'an rss verdict');
  return found;
}

function family(report: ScenarioReport, name: string): FamilyReport {
  const found = report.families?.find((entry) => entry.name === name);
  assert.ok(found, `family ${name} judged`);
  return found;
}

function figures(metric: { perOp?: number | null; bytesPerOp?: number | null; ci: [number, number] | null }) {
  const value = metric.perOp ?? metric.bytesPerOp ?? null;
  return `${value?.toFixed(0)} B/op [${metric.ci?.map((v) => v.toFixed(0)).join(', ')}]`;
}

async function walk(broker: TestBroker, args: readonly string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
  return runCli([
    'run',
    'protocol-errors',
    '--broker',
    broker.url,
    '--pid',
    String(broker.pid),
    '--no-html',
    ...GC_HOOK,
    ...args,
  ]);
}

/**
 * Mode → the one family whose cases reach it, and the bytes it holds per occurrence: sized so each family's
 * cycle holds about 1-2 MB more (a family is judged on the rises of its own two measured cycles, whose interval
 * is wide: a refused-persistent leak of 2 KB/op read [-21638, 29717] B/op at three cycles).
 */
const APART: [mode: string, family: string, bytes: number][] = [
  // About 90 of its 135 base cases put a bad entry after a valid one.
  ['property-prefix', 'connect-properties', 16_384],
  // One base case of 5 (3.1.1 QoS 2 id reuse; the MQTT 5 ones are refused by Aedes before the PUBLISH).
  ['qos2-reuse', 'flow-control', 65_536],
  // Four base cases of 22 (CONNECT with bytes inside or after it, 3.1.1 and 5.0).
  ['surplus-connect', 'surplus', 65_536],
  // Four base cases of 150 in this family reach it (3.1.1 QoS 3 or reserved bits after 1 or 2 valid filters).
  ['subscribe-option', 'subscribe', 524_288],
];
/** No mode reaches it: packets before CONNECT, a second CONNECT, acks for unknown ids, all valid in themselves. */
const UNTOUCHED = 'packet-order';

describe(`fixture broker with four leak modes at once, each in its own family, ${UNTOUCHED} untouched`, () => {
  let broker: TestBroker;
  let result: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    broker = await startFixtureBroker(
      0,
      APART.flatMap(([mode, , bytes]) => ['--leak-on', `${mode}=${bytes}`]),
    );
    result = await walk(broker, ['--no-narrow', ...sets(familyShape([...APART.map(([, name]) => name), UNTOUCHED]))]);
  });
  after(async () => broker?.stop());

  for (const [mode, name] of APART)
    test(`${mode}: LEAK in ${name}, at its own size`, (t) => {
      const judged = family(scenario(result.report), name);
      t.diagnostic(`${name}: ${figures(rss(judged))}`);
      assert.equal(judged.verdict, 'leak', JSON.stringify(judged.metrics.map((m) => m.reason)));
    });

  test(`${UNTOUCHED}: PASS; the run LEAK, exit 1`, () => {
    const judged = family(scenario(result.report), UNTOUCHED);
    assert.equal(judged.verdict, 'pass', JSON.stringify(judged.metrics.map((m) => m.reason)));
    assert.equal(result.code, 1, result.stderr);
  });
});

/** Half of connect-fields' crossings are persistent: 128 KB/op, clear of the three-cycle interval's width. */
const REFUSED_PERSISTENT_BYTES = 262_144;

describe('fixture broker leaking per refused clean-session-0 CONNECT (refused-persistent)', () => {
  // Aedes refuses every MQTT 5 CONNECT, so the 3.1.1 cases only: a refused CONNECT (connect-fields) and
  // PUBLISH errors after an accepted one (publish-fields: the session existed, the mode is not reached).
  const REFUSED = ['connect-fields.reserved-flag.v311', 'connect-fields.protocol-name-MQTX.v311'];
  const ACCEPTED = ['publish-fields.topic-hash.v311', 'publish-fields.qos-3.v311'];
  let broker: TestBroker;
  let result: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    broker = await startFixtureBroker(0, ['--leak-on', `refused-persistent=${REFUSED_PERSISTENT_BYTES}`]);
    result = await walk(broker, ['--no-narrow', ...sets(caseShape([...REFUSED, ...ACCEPTED]))]);
  });
  after(async () => broker?.stop());

  test('LEAK in connect-fields, PASS in publish-fields, exit 1', (t) => {
    const report = scenario(result.report);
    const refused = family(report, 'connect-fields');
    t.diagnostic(`connect-fields: ${figures(rss(refused))}`);
    assert.equal(refused.verdict, 'leak', JSON.stringify(refused.metrics.map((m) => m.reason)));
    const accepted = family(report, 'publish-fields');
    assert.equal(accepted.verdict, 'pass', JSON.stringify(accepted.metrics.map((m) => m.reason)));
    assert.equal(result.code, 1, result.stderr);
  });
});

/** Mode, its bytes, the case with a valid prefix before the bad entry, the same bad entry first, a clean case elsewhere. */
const NARROWED: [mode: string, bytes: number, leaking: string, nearMiss: string, elsewhere: string][] = [
  [
    'subscribe-option',
    262_144,
    'subscribe.qos-3@1.v311',
    'subscribe.qos-3@0.v311',
    'packet-order.unknown-id-puback.v311',
  ],
  [
    'property-prefix',
    65_536,
    'connect-properties.not-allowed-serverKeepAlive@1.v5',
    'connect-properties.not-allowed-serverKeepAlive@0.v5',
    'packet-order.unknown-id-puback.v311',
  ],
];

for (const [mode, bytes, leaking, nearMiss, elsewhere] of NARROWED)
  describe(`fixture broker leaking ${bytes} B per ${mode}: narrowed to ${leaking}`, () => {
    let broker: TestBroker;
    let result: Awaited<ReturnType<typeof runCli>>;
    before(async () => {
      broker = await startFixtureBroker(0, ['--leak-on', `${mode}=${bytes}`]);
      result = await walk(broker, sets(caseShape([nearMiss, leaking, elsewhere])));
    });
    after(async () => broker?.stop());

    test('LEAK, exit 1, narrowed to the case with the valid prefix: its words, bytes, rule and answers', () => {
      assert.equal(result.code, 1, result.stderr);
      const narrowing = scenario(result.report).narrowing;
      assert.ok(narrowing, 'narrowing ran');
      assert.equal(narrowing.outcome, 'case', narrowing.summary);
      assert.equal(narrowing.case?.id, leaking, narrowing.summary);
      assert.ok((narrowing.case?.description ?? '').length > 0, 'the case in words');
      assert.match(narrowing.case?.bytesHex ?? '', /^10/, 'the bytes sent, in hex, from the CONNECT');
      assert.match(narrowing.case?.rule ?? '', /MQTT (3\.1\.1|5\.0) §\d/);
      assert.ok(Object.keys(narrowing.case?.answers ?? {}).length > 0, 'what the broker answered');
      const nearTry = narrowing.tries.find((entry) => entry.caseId === nearMiss);
      if (nearTry !== undefined) assert.notEqual(nearTry.verdict, 'leak', 'the bad entry alone does not leak');
    });

    test('the scenario file narrowing wrote runs as `mqleak run FILE` and is LEAK', async () => {
      const file = scenario(result.report).narrowing?.reproFile;
      assert.ok(typeof file === 'string', 'a repro scenario file');
      const rerun = await runCli([
        'run',
        file,
        '--broker',
        broker.url,
        '--pid',
        String(broker.pid),
        '--no-html',
        '--no-narrow',
        ...GC_HOOK,
      ]);
      assert.equal(rss(scenario(rerun.report)).verdict, 'leak', rerun.stderr);
      assert.equal(rerun.code, 1, rerun.stderr);
    });
  });

describe('native MQTT server leaking its property list on one error path (c-leak/property-broker.c)', () => {
  let dir: string;
  let binary: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-property-broker-'));
    binary = path.join(dir, 'property-broker');
    await promisify(execFile)('cc', [
      '-O2',
      '-o',
      binary,
      path.join(REPO_ROOT, 'test/fixtures/c-leak/property-broker.c'),
    ]);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function runAgainst(leak: boolean): Promise<Awaited<ReturnType<typeof runCli>>> {
    const child = spawn(binary, ['--port', '0', ...(leak ? ['--leak'] : [])], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /listening on port (\d+)/.exec(chunk.toString());
          if (match?.[1] !== undefined) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`property-broker exited with ${code}`)));
      });
      // Native: no garbage collector, so no GC hook; its floors are its own.
      return await runCli([
        'run',
        'protocol-errors',
        '--broker',
        `mqtt://127.0.0.1:${port}`,
        '--pid',
        String(child.pid),
        '--no-html',
        '--no-narrow',
        ...sets(familyShape(['connect-properties'])),
      ]);
    } finally {
      child.kill('SIGTERM');
    }
  }

  test('with --leak: LEAK, exit 1', async (t) => {
    const result = await runAgainst(true);
    const metric = rss(scenario(result.report));
    t.diagnostic(figures(metric));
    assert.equal(metric.verdict, 'leak', metric.reason);
    assert.equal(result.code, 1, result.stderr);
  });

  test('without it: PASS, exit 0', async () => {
    const result = await runAgainst(false);
    const metric = rss(scenario(result.report));
    assert.equal(metric.verdict, 'pass', metric.reason);
    assert.equal(result.code, 0, result.stderr);
  });
});
