// No dilution and narrowing on real brokers. Debian's Mosquitto (2.0.11) with a password file leaks when
// authentication refuses a CONNECT that carries a will (measured here: ~178 B per refused connection with a
// will, 0 without): rejected-connect, whose 18 variant families rotate one per measured cycle, must call it
// LEAK in that family and narrow it to the case; the same Mosquitto with anonymous access must PASS. The
// fixture broker's refused-will mode is the same shape at a known size (16 KB), on a garbage-collected broker.
// Shortened run shape (300 connections a cycle, 1 s settle): the 18 families × 2 measured cycles of the
// defaults are kept, so that each family is judged on its own cycles as at the defaults.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';
import { REJECTION_VARIANT_SPACE } from '../../src/patterns/rejected-connect.js';
import { startFixtureBroker, startMosquitto, startMosquittoWithPassword, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const SHAPE = ['operationsPerCycle=300', 'baselineSeconds=1', 'settleSeconds=1', 'recoverySeconds=2'];
/** The families a refused CONNECT with a will falls in: authentication refuses both. */
const REFUSED_WITH_WILL = ['bad-password+will', 'no-credentials+will'];
/**
 * Per refused CONNECT with a will: Aedes' floors (GC timer on) moved by about ±400 KB per cycle here, so
 * 4 KB × 300 was within the noise of one family's two cycles; 16 KB × 300 = 4.8 MB a family cycle clears it.
 */
const FIXTURE_LEAK_BYTES = 16_384;
/** On the fixture, authentication refuses the empty client id too (CONNACK 0x04): its will leaks as well. */
const FIXTURE_REFUSED_WITH_WILL = [...REFUSED_WITH_WILL, 'rejected-client-id+will'];
/** Within this share of the injected size: the fixture's GC timer keeps its floors nearly as flat as a C broker's. */
const FIXTURE_SIZE_TOLERANCE = 0.3;

function rejected(report: RunReport | null): ScenarioReport {
  const found = report?.scenarios.find((entry) => entry.name === 'rejected-connect');
  assert.ok(found, 'the report has rejected-connect');
  return found;
}

async function run(broker: TestBroker, extra: string[] = []) {
  return runCli([
    'run',
    'rejected-connect',
    '--broker',
    broker.url,
    '--pid',
    String(broker.pid),
    ...SHAPE.flatMap((set) => ['--set', set]),
    ...extra,
  ]);
}

/** The narrowed case: one of the refused-with-will families, its bytes, its answer and a repro file that loads. */
async function assertNarrowed(report: ScenarioReport, refusedAnswer: RegExp, leaking: string[]): Promise<void> {
  const narrowing = report.narrowing;
  assert.ok(narrowing, 'narrowing ran');
  assert.equal(narrowing.outcome, 'case', narrowing.summary);
  const found = narrowing.case;
  assert.ok(found !== null && leaking.includes(found.id), `narrowed to ${found?.id}`);
  assert.equal(found.family, found.id, 'each rejected-connect family is one case');
  assert.match(found.bytesHex ?? '', /^10[0-9a-f]+$/, 'the CONNECT sent, in hex');
  assert.ok(
    Object.keys(found.answers).some((answer) => refusedAnswer.test(answer)),
    JSON.stringify(found.answers),
  );
  assert.ok(found.ci !== null && found.ci[0] > 64, `the case alone is LEAK: ${found.perOp} ${found.ci}`);
  assert.ok(narrowing.wallMs <= narrowing.capMs + 120_000, 'bounded by its cap (a started run finishes)');
  assert.ok(narrowing.reproFile !== null, 'a repro file');
  const repro = await loadScenario(narrowing.reproFile, false);
  assert.deepEqual(REJECTION_VARIANT_SPACE.families(repro.params), [found.id], 'the repro runs only that case');
}

describe('rejected-connect on Debian Mosquitto with a password file', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startMosquittoWithPassword('mqleak-user', 'pw-families-1');
  });
  after(async () => broker?.stop());

  test('LEAK in the refused-with-will family, at its own size; narrowed to the case', async () => {
    const result = await run(broker);
    const report = rejected(result.report);
    assert.equal(report.verdict, 'leak', result.stdout);
    assert.equal(result.code, 1);
    const leaking = (report.families ?? []).filter((family) => family.verdict === 'leak').map((f) => f.name);
    assert.ok(leaking.length > 0 && leaking.every((name) => REFUSED_WITH_WILL.includes(name)), `LEAK: ${leaking}`);
    const refused = report.families?.find((family) => family.name === 'bad-password');
    assert.equal(refused?.verdict, 'pass', 'the same refusal without a will is clean');
    await assertNarrowed(report, /^connack-0x05$/, REFUSED_WITH_WILL);
    assert.match(result.stdout, /narrowed: .*(bad-password|no-credentials)\+will/);
    assert.match(result.stdout, /bytes sent \(hex\):\s+10[0-9a-f]+/);
  });
});

describe('rejected-connect on Debian Mosquitto with anonymous access', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => broker?.stop());

  test('PASS: no family leaks, nothing narrowed', async () => {
    const result = await run(broker);
    const report = rejected(result.report);
    assert.equal(report.verdict, 'pass', result.stdout);
    assert.equal(result.code, 0);
    assert.equal(report.families?.length, 18, 'every family judged');
    assert.ok(report.families?.every((family) => family.verdict !== 'leak'));
    assert.equal(report.narrowing, undefined);
  });
});

describe('the fixture broker leaking 16 KB per refused CONNECT with a will', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startFixtureBroker(0, ['--auth', 'u:p', '--leak-on', `refused-will=${FIXTURE_LEAK_BYTES}`]);
  });
  after(async () => broker?.stop());

  test("LEAK at the family's own size where the mixed slope is diluted; narrowed to the case", async () => {
    const result = await run(broker, ['--set', 'protocolVersion=4']);
    const report = rejected(result.report);
    assert.equal(report.verdict, 'leak', result.stdout);
    for (const name of REFUSED_WITH_WILL) {
      const family = report.families?.find((entry) => entry.name === name);
      const rss = family?.metrics.find((metric) => metric.name === 'proc.rss');
      assert.equal(family?.verdict, 'leak', rss?.reason);
      assert.ok(
        rss?.perOp !== null &&
          rss?.perOp !== undefined &&
          Math.abs(rss.perOp - FIXTURE_LEAK_BYTES) <= FIXTURE_SIZE_TOLERANCE * FIXTURE_LEAK_BYTES,
        `${name}: ${rss?.perOp} B/op vs ${FIXTURE_LEAK_BYTES} injected`,
      );
    }
    const mixed = report.metrics.find((metric) => metric.name === 'proc.rss');
    assert.ok(
      mixed?.perOp !== null && mixed?.perOp !== undefined && mixed.perOp < FIXTURE_LEAK_BYTES / 4,
      `the mixed slope is diluted: ${mixed?.perOp}`,
    );
    const clean = report.families?.filter((family) => !FIXTURE_REFUSED_WITH_WILL.includes(family.name)) ?? [];
    assert.ok(
      clean.every((family) => family.verdict !== 'leak'),
      'no other family is LEAK',
    );
    await assertNarrowed(report, /^connack-0x04$/, FIXTURE_REFUSED_WITH_WILL);
  });
});
