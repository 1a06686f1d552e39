// Every pattern that mixes variants declares its variant space: families in rotation order, their cases,
// and params that run only one of them. Restricting to a family makes it the only one.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadScenario } from '../../../src/scenario/load-scenario.js';
import type { Params } from '../../../src/core/params.js';
import { cycleFamily } from '../../../src/patterns/shared/rotation.js';
import { GARBAGE } from '../../../src/patterns/health-check-churn.js';

const MIXING: Record<string, string[]> = {
  'rejected-connect': ['bad-password', 'bad-password+will'],
  'health-check-churn': ['close', 'reset', 'garbage', 'silent'],
  'subscription-churn': ['unsubscribe', 'disconnect', 'vanish', 'before-suback'],
  'will-churn': ['v4-vanish', 'v4-disconnect', 'v5-vanish', 'v5-disconnect'],
  'connect-churn': ['disconnect', 'abrupt'],
  'group-churn': ['unsubscribe', 'vanish'],
  'session-backlog': ['drain', 'expire'],
  'tls-churn': ['full', 'resumed', 'bad-client-cert', 'old-version', 'garbage', 'mid-handshake-close'],
  'session-takeover': ['v4-disconnect', 'v4-abrupt', 'v5-disconnect', 'v5-abrupt'],
};

test('each mixing scenario at its defaults has its families, and restricting to one leaves only it', async () => {
  for (const [name, expected] of Object.entries(MIXING)) {
    const scenario = await loadScenario(name, false);
    const space = scenario.pattern.variants;
    assert.ok(space !== undefined, `${name} declares its variant space`);
    const families = space.families(scenario.params);
    for (const family of expected) assert.ok(families.includes(family), `${name} has ${family}: ${families}`);
    for (const family of families) {
      const cases = space.cases(scenario.params, family);
      assert.ok(cases.length > 0, `${name}/${family} has cases`);
      assert.ok(cases.every((entry) => entry.description.length > 0 && entry.id.length > 0));
      const restricted: Params = space.restrict(scenario.params, family, cases[0]?.id);
      assert.deepEqual(space.families(restricted), [family], `${name} restricted to ${family}`);
    }
  }
});

test('health-check-churn: the garbage family has one case per payload, with its bytes, runnable alone', async () => {
  const scenario = await loadScenario('health-check-churn', false);
  const space = scenario.pattern.variants;
  const cases = space?.cases(scenario.params, 'garbage') ?? [];
  assert.deepEqual(
    cases.map((entry) => entry.id),
    ['garbage:http-get', 'garbage:tls-client-hello', 'garbage:zero-bytes'],
  );
  assert.deepEqual(
    cases.map((entry) => entry.bytesHex),
    GARBAGE.map((entry) => entry.bytes.toString('hex')),
  );
  assert.equal(space?.restrict(scenario.params, 'garbage', 'garbage:zero-bytes').garbage, 'zero-bytes');
});

test('will-churn and connect-churn: the shares say which families exist', async () => {
  const will = await loadScenario('will-churn', false);
  const space = will.pattern.variants;
  assert.deepEqual(space?.families({ ...will.params, v5Share: 0, cancelShare: 0 }), ['v4-vanish']);
  assert.deepEqual(space?.families({ ...will.params, v5Share: 1, cancelShare: 0.5 }), ['v5-vanish', 'v5-disconnect']);
  const churn = await loadScenario('connect-churn', false);
  assert.deepEqual(churn.pattern.variants?.families({ ...churn.params, abruptShare: 1 }), ['abrupt']);
});

test('rotation: warm-up and short runs mix every family; measured cycle i runs families[i % n]', () => {
  const families = ['a', 'b', 'c'];
  const params: Params = { warmupCycles: 3, cycles: 6 };
  assert.equal(cycleFamily(params, families, 0), undefined, 'warm-up mixes');
  assert.equal(cycleFamily(params, families, 3), 'a');
  assert.equal(cycleFamily(params, families, 4), 'b');
  assert.equal(cycleFamily(params, families, 8), 'c');
  assert.equal(cycleFamily({ warmupCycles: 3, cycles: 5 }, families, 4), undefined, 'under two cycles per family');
  assert.equal(cycleFamily(params, ['only'], 4), undefined, 'one family: nothing rotates');
});
