// PENDING (not in the integration glob): written against the merged per-family verdicts, not yet run to the end here.
// The default-run Mosquitto case printed PASS but the CLI did not exit afterwards (mqleak held ~150 sockets and spun):
// see docs/scenarios/protocol-errors.md "Known problems".
// protocol-errors against real brokers: at its defaults every family is answered on Debian's Mosquitto
// (which speaks MQTT 5) and on the clean fixture broker (Aedes, which refuses MQTT 5: those answers are
// not-applicable, never clean), and both are PASS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MetricReport, RunReport, ScenarioReport } from '../../../src/core/report-model.js';
import { familyNames } from '../../../src/protocol/generator.js';
import { startFixtureBroker, startMosquitto, type TestBroker } from '../../helpers/brokers.js';
import { runCli } from '../../helpers/cli.js';

const NOT_APPLICABLE = 'not-applicable';

function scenario(report: RunReport | null): ScenarioReport {
  const found = report?.scenarios.find((entry) => entry.name === 'protocol-errors');
  assert.ok(found, 'the report has protocol-errors');
  return found;
}

function rss(report: ScenarioReport): MetricReport {
  const found = report.metrics.find((metric) => metric.name === 'proc.rss');
  assert.ok(found, 'an rss verdict');
  return found;
}

function summary(report: RunReport | null): string {
  return (report?.scenarios ?? [])
    .flatMap((s) => s.metrics.map((m) => `${m.name}: ${m.verdict} ${m.reason}`))
    .join('\n');
}

/** Each family has answers, and every cycle names the family it ran. */
function assertEveryFamilyAnswered(report: ScenarioReport): void {
  for (const family of familyNames()) {
    const answers = report.answers?.[family];
    assert.ok(answers !== undefined && Object.values(answers).some((count) => count > 0), `${family} answered`);
  }
  const ran = new Set((report.cycles ?? []).map((cycle) => cycle.variant));
  assert.deepEqual([...ran].sort(), [...familyNames()].sort(), 'one family per cycle, every family');
}

describe("protocol-errors at its defaults on Debian's Mosquitto (anonymous)", () => {
  let broker: TestBroker;
  let result: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    broker = await startMosquitto();
    result = await runCli(['run', 'protocol-errors', '--broker', broker.url, '--pid', String(broker.pid), '--no-html']);
  });
  after(async () => broker?.stop());

  test('PASS, exit 0', () => {
    const report = scenario(result.report);
    assert.equal(rss(report).verdict, 'pass', rss(report).reason);
    assert.equal(result.code, 0, summary(result.report) + result.stderr);
  });

  test('every family answered and exercised (Mosquitto speaks 3.1.1 and 5.0)', (t) => {
    const report = scenario(result.report);
    assertEveryFamilyAnswered(report);
    for (const family of familyNames())
      assert.equal(report.checks?.[`exercised:${family}`]?.status, 'held', `${family} exercised`);
    // The MQTT 5 families are applicable here: no answer says otherwise for the property lists.
    assert.ok(!Object.keys(report.answers?.['connect-properties'] ?? {}).some((a) => a.startsWith(NOT_APPLICABLE)));
    t.diagnostic(`${report.operations} cases in ${((result.report?.durationMs ?? 0) / 1000).toFixed(0)} s`);
  });
});

describe('protocol-errors at its defaults on the clean fixture broker (Aedes: no MQTT 5)', () => {
  let broker: TestBroker;
  let result: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    broker = await startFixtureBroker(0);
    result = await runCli(['run', 'protocol-errors', '--broker', broker.url, '--pid', String(broker.pid), '--no-html']);
  });
  after(async () => broker?.stop());

  test('PASS, exit 0', () => {
    const report = scenario(result.report);
    assert.equal(rss(report).verdict, 'pass', rss(report).reason);
    assert.equal(result.code, 0, summary(result.report) + result.stderr);
  });

  test('every family answered; the MQTT 5-only ones stated not applicable, never clean', () => {
    const report = scenario(result.report);
    assertEveryFamilyAnswered(report);
    for (const family of ['connect-properties', 'will-properties', 'publish-properties', 'ack-properties']) {
      const answers = Object.keys(report.answers?.[family] ?? {});
      assert.ok(answers.length > 0 && answers.every((a) => a.startsWith(NOT_APPLICABLE)), `${family}: ${answers}`);
      assert.equal(report.checks?.[`exercised:${family}`]?.status, 'not-exercised', family);
    }
    for (const family of ['connect-fields', 'subscribe', 'surplus', 'truncation', 'packet-order'])
      assert.equal(report.checks?.[`exercised:${family}`]?.status, 'held', family);
  });
});

describe('protocol-errors: bad selections', () => {
  test('an unknown family: exit 64 naming the families that exist', async () => {
    const result = await runCli([
      'run',
      'protocol-errors',
      '--broker',
      'mqtt://127.0.0.1:1',
      '--set',
      'families=no-such-family',
    ]);
    assert.equal(result.code, 64, result.stderr);
    assert.match(result.stderr, /no-such-family/);
    assert.match(result.stderr, /connect-properties/);
  });
});
