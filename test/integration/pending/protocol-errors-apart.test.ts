// PENDING (not in the integration glob `test/integration/*.test.ts`): not yet passing in CI-sized runs.
// Measured (2026-12-07, short walks, GC hook): four modes at once over whole families, 2 measured cycles per
// family: only qos2-reuse was LEAK (244 KB/op [218 K, 271 K]); connect-properties, surplus and subscribe
// read ~10-14 KB/op with intervals ±25 KB/op (the leaking cases fall unevenly into a family's cycles, and a
// family is judged on its own two rises), packet-order INCONCLUSIVE. refused-persistent: connect-fields LEAK
// 133 KB/op [84 K, 181 K], but publish-fields INCONCLUSIVE [-40 K, 55 K], not PASS. property-prefix narrowing
// among @0/@1 cases: no narrowing in the report (cause not found yet; neither of those two is here yet).
// This version walks chosen cases (a
// leaking base and a clean one per family, every case of the family in every cycle of it, so each cycle of a
// family holds the same leak) with three measured cycles per family; the untouched family is asserted not
// LEAK and below every leaking family's lower bound (a PASS there needs far more cases per cycle than CI allows).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FamilyReport, RunReport, ScenarioReport } from '../../../src/core/report-model.js';
import { startFixtureBroker, type TestBroker } from '../../helpers/brokers.js';
import { runCli } from '../../helpers/cli.js';

const GC_HOOK = ['--gc-cmd', 'kill -USR2 {pid}'];
const SHORT = ['baselineSeconds=0.5', 'settleSeconds=0.5', 'recoverySeconds=1', 'silenceHoldMs=200'];

/** Chosen base cases of `families` families: every case (12 crossings each) twice per cycle, three measured cycles a family. */
function caseShape(cases: readonly string[], families: number): string[] {
  return [
    `cases=${cases.join(',')}`,
    `warmupCycles=${families}`,
    `cycles=${3 * families}`,
    `operationsPerCycle=${(24 * cases.length) / families}`,
    `concurrency=${(24 * cases.length) / families}`,
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

function family(report: ScenarioReport, name: string): FamilyReport {
  const found = report.families?.find((entry) => entry.name === name);
  assert.ok(found, `family ${name} judged`);
  return found;
}

function rssOf(judged: FamilyReport) {
  const found = judged.metrics.find((metric) => metric.name === 'proc.rss');
  assert.ok(found, 'an rss verdict');
  return found;
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
 * Mode, bytes, its family, the base case that reaches it, a base case of the same family that does not. At 16 KB
 * each, qos2-reuse read 173 KB/op (a case reuses ids many times) and every other family's interval was ±35 KB/op:
 * the largest family's swings widen every family's interval (the rise noise is pooled), so its bytes are smaller.
 */
const APART: [mode: string, bytes: number, family: string, leaking: string, clean: string][] = [
  [
    'property-prefix',
    16_384,
    'connect-properties',
    'connect-properties.not-allowed-serverKeepAlive@1.v5',
    'connect-properties.not-allowed-serverKeepAlive@0.v5',
  ],
  ['qos2-reuse', 4096, 'flow-control', 'flow-control.qos2-id-reuse.v311', 'flow-control.topic-alias-unknown.v5'],
  ['surplus-connect', 65_536, 'surplus', 'surplus.connect-inside.v311', 'surplus.pingreq-after.v311'],
  ['subscribe-option', 65_536, 'subscribe', 'subscribe.qos-3@1.v311', 'subscribe.qos-3@0.v311'],
];
const UNTOUCHED = [
  'packet-order',
  'packet-order.unknown-id-puback.v311',
  'packet-order.first-disconnect.v311',
] as const;

describe('fixture broker with four leak modes at once, each in its own family, packet-order untouched', () => {
  let broker: TestBroker;
  let result: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    broker = await startFixtureBroker(
      0,
      APART.flatMap(([mode, bytes]) => ['--leak-on', `${mode}=${bytes}`]),
    );
    const cases = [...APART.flatMap(([, , , leaking, clean]) => [leaking, clean]), UNTOUCHED[1], UNTOUCHED[2]];
    result = await walk(broker, ['--no-narrow', ...sets(caseShape(cases, APART.length + 1))]);
  });
  after(async () => broker?.stop());

  for (const [mode, , name] of APART)
    test(`${mode}: LEAK in ${name}, at its own size`, (t) => {
      const judged = family(scenario(result.report), name);
      t.diagnostic(`${name}: ${rssOf(judged).perOp?.toFixed(0)} B/op ${JSON.stringify(rssOf(judged).ci)}`);
      assert.equal(judged.verdict, 'leak', JSON.stringify(judged.metrics.map((m) => m.reason)));
    });

  test(`${UNTOUCHED[0]}: not LEAK, its growth below every leaking family's lower bound; the run LEAK, exit 1`, () => {
    const report = scenario(result.report);
    const untouched = family(report, UNTOUCHED[0]);
    assert.notEqual(untouched.verdict, 'leak', JSON.stringify(untouched.metrics.map((m) => m.reason)));
    for (const [, , name] of APART)
      assert.ok((rssOf(untouched).perOp ?? 0) < (rssOf(family(report, name)).ci?.[0] ?? 0), name);
    assert.equal(result.code, 1, result.stderr);
  });
});
