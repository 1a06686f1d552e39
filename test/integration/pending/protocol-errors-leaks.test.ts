// PENDING (not in the integration glob): written against the merged per-family verdicts, not yet run to the end here.
// The default-run Mosquitto case printed PASS but the CLI did not exit afterwards (mqleak held ~150 sockets and spun):
// see docs/scenarios/protocol-errors.md "Known problems".
// Ground truth for protocol-errors: the fixture broker with one error-path leak mode at a time, and a
// native MQTT server leaking on one property-list error path, are LEAK in the family that reaches them.
// Most runs walk only that family (--set families=...), to keep each short; one runs at the defaults,
// where the per-family verdict must find the leaking family among fifteen and narrowing its case.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { MetricReport, RunReport } from '../../../src/core/report-model.js';
import { REPO_ROOT, startFixtureBroker, type TestBroker } from '../../helpers/brokers.js';
import { runCli } from '../../helpers/cli.js';

/** Short runs of one family: the fewest measured cycles the verdict judges is six. */
const SHAPE = ['warmupCycles=2', 'cycles=6', 'baselineSeconds=0.5', 'settleSeconds=1', 'recoverySeconds=1.5'];

function sets(values: readonly string[]): string[] {
  return values.flatMap((value) => ['--set', value]);
}

function rss(report: RunReport | null): MetricReport {
  const found = report?.scenarios[0]?.metrics.find((metric) => metric.name === 'proc.rss');
  assert.ok(found, 'an rss verdict');
  return found;
}

/** Leak mode → the family whose cases reach it, and the bytes it holds per occurrence. */
const MODES: [mode: string, family: string, bytes: number][] = [
  ['property-prefix', 'connect-properties', 4096],
  ['refused-persistent', 'connect-fields', 4096],
  ['qos2-reuse', 'flow-control', 4096],
  ['surplus-connect', 'surplus', 16_384],
  // Four base cases of 150 in this family reach it (3.1.1 QoS 3 or reserved bits after 1 or 2 valid filters).
  ['subscribe-option', 'subscribe', 65_536],
];

for (const [mode, family, bytes] of MODES) {
  describe(`fixture broker leaking ${bytes} B per ${mode}`, () => {
    let broker: TestBroker;
    let result: Awaited<ReturnType<typeof runCli>>;
    before(async () => {
      broker = await startFixtureBroker(0, ['--leak-on', `${mode}=${bytes}`]);
      result = await runCli([
        'run',
        'protocol-errors',
        '--broker',
        broker.url,
        '--pid',
        String(broker.pid),
        '--no-html',
        ...sets([...SHAPE, `families=${family}`]),
      ]);
    });
    after(async () => broker?.stop());

    test(`protocol-errors (${family}): LEAK, exit 1`, (t) => {
      const metric = rss(result.report);
      t.diagnostic(`${metric.bytesPerOp?.toFixed(0)} B/op [${metric.ci?.map((v) => v.toFixed(0)).join(', ')}]`);
      assert.equal(metric.verdict, 'leak', metric.reason);
      assert.equal(result.code, 1, result.stderr);
    });
  });
}

describe(
  'native MQTT server leaking its property list on one error path ' + '(test/fixtures/c-leak/property-broker.c)',
  () => {
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
      const child = spawn(binary, ['--port', '0', ...(leak ? ['--leak'] : [])], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            const match = /listening on port (\d+)/.exec(chunk.toString());
            if (match?.[1] !== undefined) resolve(Number(match[1]));
          });
          child.once('exit', (code) => reject(new Error(`property-broker exited with ${code}`)));
        });
        return await runCli([
          'run',
          'protocol-errors',
          '--broker',
          `mqtt://127.0.0.1:${port}`,
          '--pid',
          String(child.pid),
          '--no-html',
          ...sets([...SHAPE, 'families=connect-properties']),
        ]);
      } finally {
        child.kill('SIGTERM');
      }
    }

    test('with --leak: LEAK, exit 1', async (t) => {
      const result = await runAgainst(true);
      const metric = rss(result.report);
      t.diagnostic(`${metric.bytesPerOp?.toFixed(0)} B/op [${metric.ci?.map((v) => v.toFixed(0)).join(', ')}]`);
      assert.equal(metric.verdict, 'leak', metric.reason);
      assert.equal(result.code, 1, result.stderr);
    });

    test('without it: PASS, exit 0', async () => {
      const result = await runAgainst(false);
      const metric = rss(result.report);
      assert.equal(metric.verdict, 'pass', metric.reason);
      assert.equal(result.code, 0, result.stderr);
    });
  },
);

describe('fixture broker leaking 4096 B per property list refused after a valid prefix: the default run', () => {
  let broker: TestBroker;
  let result: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    broker = await startFixtureBroker(0, ['--leak-on', 'property-prefix=4096']);
    // Narrowing capped at 2 minutes so the run stays within the test runner's bound on one CLI run.
    result = await runCli([
      'run',
      'protocol-errors',
      '--broker',
      broker.url,
      '--pid',
      String(broker.pid),
      '--no-html',
      '--narrow-budget',
      '2m',
    ]);
  });
  after(async () => broker?.stop());

  test('LEAK, exit 1, in family connect-properties judged at its own size', () => {
    const scenario = result.report?.scenarios[0];
    const family = scenario?.families?.find((entry) => entry.name === 'connect-properties');
    assert.equal(family?.verdict, 'leak', JSON.stringify(family?.metrics.map((m) => m.reason)));
    assert.equal(result.code, 1, result.stderr);
  });

  test('narrowed to a connect-properties case with a valid prefix, its bytes and the rule it breaks', () => {
    const narrowing = result.report?.scenarios[0]?.narrowing;
    assert.ok(narrowing, 'narrowing ran');
    assert.equal(narrowing.outcome, 'case', narrowing.summary);
    assert.equal(narrowing.case?.family, 'connect-properties');
    assert.match(narrowing.case?.id ?? '', /^connect-properties\..*@[12]\.v5$/, 'a bad entry after 1 or 2 valid ones');
    assert.match(narrowing.case?.bytesHex ?? '', /^10/, 'the CONNECT in hex');
    assert.match(narrowing.case?.rule ?? '', /MQTT 5\.0 §2\.2\.2/);
    assert.ok(narrowing.reproFile !== null, 'a repro scenario file');
  });
});
