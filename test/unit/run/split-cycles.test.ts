// A cycle split over agents: equal shares that add up to the cycle, and the agents' outcomes added up as one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CycleOutcome } from '../../../src/core/cycle.js';
import { evenShares, sumOutcomes } from '../../../src/run/agents/split-cycles.js';
import { PATTERNS } from '../../../src/patterns/catalogue.js';

test('evenShares: the shares add up to the total and differ by at most one', () => {
  for (const [total, parts] of [
    [1000, 3],
    [10, 4],
    [2, 3],
    [0, 2],
    [7, 1],
  ] as const) {
    const shares = evenShares(total, parts);
    assert.equal(shares.length, parts);
    assert.equal(
      shares.reduce((sum, share) => sum + share, 0),
      total,
    );
    assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `${total}/${parts}: ${shares.join(',')}`);
  }
  assert.deepEqual(evenShares(10, 4), [3, 3, 2, 2]);
});

test('sumOutcomes: counts, failure kinds, checks, answers and observations of every agent added up', () => {
  const a: CycleOutcome = {
    operations: 334,
    failures: 2,
    failureKinds: { timeout: 2 },
    timedOut: false,
    checks: { 'keepalive-expired-dropped': { expected: 17, observed: 17 } },
    answers: { v: { closed: 3 } },
    observations: { keepaliveDropMs: { count: 2, min: 1500, max: 2000, total: 3500 } },
    variant: 'abrupt',
  };
  const b: CycleOutcome = {
    operations: 333,
    failures: 1,
    failureKinds: { timeout: 1, refused: 0 },
    timedOut: true,
    checks: { 'keepalive-expired-dropped': { expected: 16, observed: 15 } },
    answers: { v: { closed: 1, 'connack-135': 2 } },
    observations: { keepaliveDropMs: { count: 1, min: 1400, max: 1400, total: 1400 } },
    variant: 'abrupt',
  };
  const sum = sumOutcomes([a, b]);
  assert.equal(sum.operations, 667);
  assert.equal(sum.failures, 3);
  assert.deepEqual(sum.failureKinds, { timeout: 3, refused: 0 });
  assert.equal(sum.timedOut, true);
  assert.deepEqual(sum.checks, { 'keepalive-expired-dropped': { expected: 33, observed: 32 } });
  assert.deepEqual(sum.answers, { v: { closed: 4, 'connack-135': 2 } });
  assert.deepEqual(sum.observations, { keepaliveDropMs: { count: 3, min: 1400, max: 2000, total: 4900 } });
  assert.equal(sum.variant, 'abrupt');
  assert.deepEqual(
    sumOutcomes([{ operations: 5, failures: 0, failureKinds: {}, timedOut: false }]),
    { operations: 5, failures: 0, failureKinds: {}, timedOut: false },
    'no empty checks, answers or observations are made up',
  );
});

test('a pattern that splits its cycles gives each agent its share of the pools sized for the whole run', () => {
  const churn = PATTERNS.get('connect-churn');
  const split = churn?.splitsCycles?.shareParams;
  assert.ok(split !== undefined);
  const params = split({ clientIdPool: 100, expiryConcurrency: 500, operationsPerCycle: 1000 }, 1 / 3);
  assert.equal(params.clientIdPool, 33);
  assert.equal(params.expiryConcurrency, 167);
  assert.equal(params.operationsPerCycle, 1000, 'the cycle itself is split per cycle, not in the params');
});
