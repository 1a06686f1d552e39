// Ground truth for protocol-errors: the fixture broker with its error-path leak modes, and a native MQTT
// server leaking on one property-list error path. Short walks with a GC hook (`--gc-cmd "kill -USR2 {pid}"`:
// the fixture's floors are post-GC), never the defaults (the default run is protocol-errors.test.ts's, on
// Debian's Mosquitto):
// - narrowing of subscribe-option among cases that differ only in the position of the bad entry (a bad
//   filter with no valid one before it does not reach the mode) and a clean case of another family: the
//   case with the valid prefix is the one named, with its bytes, and the scenario file narrowing writes
//   reproduces the LEAK as `mqleak run FILE`;
// - the native server: protocol-errors-leaks.test.ts.
// Several modes at once, each LEAK in its own family: pending/protocol-errors-apart.test.ts (flaky, not in CI).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FamilyReport, MetricReport, RunReport, ScenarioReport } from '../../../src/core/report-model.js';
import { startFixtureBroker, type TestBroker } from '../../helpers/brokers.js';
import { runCli } from '../../helpers/cli.js';

const GC_HOOK = ['--gc-cmd', 'kill -USR2 {pid}'];
/** Short cycles: the silent way out holds 0.2 s (no mode here depends on how a client leaves). */
const SHORT = ['baselineSeconds=0.5', 'settleSeconds=0.5', 'recoverySeconds=1', 'silenceHoldMs=200'];
/**
 * A whole family per cycle: one warm-up round (the walk runs one family per cycle from the first, and a family's
 * first cycle fills its pool of persistent sessions), then two measured cycles per family.
 */
function _familyShape(families: readonly string[]): string[] {
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

function _figures(metric: { perOp?: number | null; bytesPerOp?: number | null; ci: [number, number] | null }) {
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

/** Mode, its bytes, the case with a valid prefix before the bad entry, the same bad entry first, a clean case elsewhere. */
const NARROWED: [mode: string, bytes: number, leaking: string, nearMiss: string, elsewhere: string][] = [
  [
    'subscribe-option',
    262_144,
    'subscribe.qos-3@1.v311',
    'subscribe.qos-3@0.v311',
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
