import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ScenarioReport } from '../../../src/core/report-model.js';
import {
  brokerFdLimitNote,
  parsePortRange,
  peakConnections,
  preflightNotes,
  readPreflightFacts,
  type PreflightFacts,
} from '../../../src/run/plan/preflight.js';
import { withRunLimits } from '../../../src/run/plan/resource-limits.js';

const PROC = fileURLToPath(new URL('../../fixtures/proc/', import.meta.url));
const FACTS: PreflightFacts = {
  ownFdLimit: { soft: 20_000, hard: 20_000 },
  brokerFdLimit: { soft: 20_000, hard: 20_000 },
  portRange: [32768, 60999],
};

test('readPreflightFacts reads the open-files limits and the port range from a /proc folder', async () => {
  const facts = await readPreflightFacts(4242, PROC);
  assert.deepEqual(facts, {
    ownFdLimit: { soft: 20_000, hard: 20_000 },
    brokerFdLimit: { soft: 1024, hard: 4096 },
    portRange: [32768, 60999],
  });
  const noBroker = await readPreflightFacts(99999, PROC);
  assert.equal(noBroker.brokerFdLimit, null, 'a broker process that is not visible: no limit, no warning');
  assert.equal(parsePortRange('61000 1024'), null);
});

test('preflight: a small load under every limit says nothing', () => {
  assert.deepEqual(preflightNotes(FACTS, { connections: 1000, sourceAddresses: 1, scenario: 'mass-connect' }), []);
});

test('preflight: more clients than one process holds is a note naming the worker processes', () => {
  const notes = preflightNotes(FACTS, { connections: 19_000, sourceAddresses: 1, scenario: 'mass-connect' });
  assert.equal(notes.length, 1);
  assert.equal(notes[0]?.level, 'info');
  assert.match(notes[0]?.message ?? '', /spread over 2 load processes of at most 15,000/);
});

test("preflight: a broker's open-files limit below the load is a warning with the numbers", async () => {
  const facts = await readPreflightFacts(4242, PROC);
  const notes = preflightNotes(facts, { connections: 2000, sourceAddresses: 1, scenario: 'mass-connect' });
  const broker = notes.find((note) => note.check === 'broker-open-files');
  assert.equal(broker?.level, 'warning');
  assert.match(broker?.message ?? '', /open-files limit is 1,024.*about 1,014 clients, 2,000 are asked/);
  assert.equal(
    preflightNotes(FACTS, { connections: 19_990, sourceAddresses: 1, scenario: 'm' }).some(
      (note) => note.check === 'broker-open-files',
    ),
    false,
    'Mosquitto held 19,990 at a 20,000 limit',
  );
});

test('preflight: port exhaustion on one source address, and the number of addresses that would do', () => {
  const notes = preflightNotes(
    { ...FACTS, ownFdLimit: null, brokerFdLimit: null },
    { connections: 60_000, sourceAddresses: 0, scenario: 'mass-connect' },
  );
  assert.equal(notes.length, 1);
  assert.equal(notes[0]?.check, 'ephemeral-ports');
  assert.match(
    notes[0]?.message ?? '',
    /need 60,000 source ports each, the ephemeral range 32768–60999 has 28,232.*Give 3 addresses/,
  );
  assert.deepEqual(
    preflightNotes(
      { ...FACTS, ownFdLimit: null, brokerFdLimit: null },
      { connections: 60_000, sourceAddresses: 3, scenario: 'm' },
    ),
    [],
  );
  const slow = preflightNotes(
    { ...FACTS, ownFdLimit: null, brokerFdLimit: null },
    { connections: 15_000, sourceAddresses: 0, scenario: 'm' },
  );
  assert.match(slow[0]?.message ?? '', /over half of the ephemeral range/);
});

test('peakConnections: mass-connect holds its crowd, other patterns their pools', () => {
  assert.equal(peakConnections('mass-connect', { clients: 19_000, operationsPerCycle: 10_000 }), 19_000);
  assert.equal(peakConnections('mass-connect', { clients: 0, operationsPerCycle: 10_000 }), 10_000);
  assert.equal(peakConnections('health-check-churn', { concurrency: 20, silentConcurrency: 500 }), 521);
});

test(
  'the broker out of file descriptors is said in plain words, only when its fds reached the ' +
    'limit and connects failed',
  () => {
    assert.match(
      brokerFdLimitNote(19_996, 20_000, 1010) ?? '',
      /ran out of file descriptors: 19,996 open of its limit of 20,000.*1,010 connects failed/,
    );
    assert.equal(brokerFdLimitNote(12_000, 20_000, 1010), null, 'failures for another reason');
    assert.equal(brokerFdLimitNote(19_996, 20_000, 0), null, 'nothing refused');
    assert.equal(brokerFdLimitNote(null, 20_000, 5), null);

    const report = {
      failures: 20,
      samples: [{ t: 0, lateMs: 0, 'proc.fds': 1015 }],
      limits: undefined,
    } as unknown as ScenarioReport;
    const limited = withRunLimits(report, {
      facts: { ...FACTS, brokerFdLimit: { soft: 1024, hard: 4096 } },
      notes: [],
    });
    assert.equal(limited.limits?.length, 1);
    assert.equal(withRunLimits(report, { facts: FACTS, notes: [] }).limits, undefined);
  },
);

test('a connect rate asked and not held is said in plain words, with what held it back', () => {
  const observation = (mean: number) => ({ count: 6, min: mean, max: mean, mean });
  const base = { failures: 0, samples: [], limits: undefined };
  const missed = {
    ...base,
    answers: { connectRate: { held: 2, 'generator-bound': 4 } },
    observations: {
      connectRateAsked: observation(20_000),
      connectsPerSecond: observation(4_300),
      generatorCpuPct: observation(99),
      brokerCpuPct: observation(36),
    },
  } as unknown as ScenarioReport;
  const limited = withRunLimits(missed, null);
  assert.equal(limited.limits?.length, 1);
  assert.match(
    limited.limits?.[0] ?? '',
    /connect rate of 20,000\/s \(connectRate\) not held in 4 of 6 cycles: generator-bound: 4,300\/s of 20,000\/s asked, mqleak at its CPU limit \(mqleak 99% of a core, broker 36%\)/,
  );

  const brokerBound = {
    ...missed,
    observations: { ...missed.observations, generatorCpuPct: observation(40), brokerCpuPct: observation(97) },
  } as unknown as ScenarioReport;
  assert.match(withRunLimits(brokerBound, null).limits?.[0] ?? '', /broker-bound/);

  const held = { ...missed, answers: { connectRate: { held: 6 } } } as unknown as ScenarioReport;
  assert.equal(withRunLimits(held, null).limits, undefined, 'every cycle held the rate: nothing to say');
  assert.equal(
    withRunLimits({ ...base, answers: {} } as unknown as ScenarioReport, null).limits,
    undefined,
    'no rate asked',
  );
});
