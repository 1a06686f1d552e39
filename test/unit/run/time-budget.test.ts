// `--budget`, `--all` and credentials: how a run is fitted into a time budget and what it says it did.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsFrom } from '../../../src/cli/validate.js';
import { isMqleakError } from '../../../src/core/errors.js';
import { fitToBudget, MIN_BUDGET_CYCLES, parseDuration } from '../../../src/run/plan/time-budget.js';
import { estimateScenarioMs } from '../../../src/run/plan/estimate.js';
import { builtinScenarioNames, loadScenario, type Scenario } from '../../../src/scenario/load-scenario.js';
import { mainCli as cli } from '../../helpers/main-cli.js';

async function library(): Promise<Scenario[]> {
  const names = (await builtinScenarioNames()).filter((name) => name !== 'bridge-churn');
  return Promise.all(names.map((name) => loadScenario(name, false)));
}

const total = (scenarios: readonly Scenario[]): number =>
  scenarios.reduce((sum, s) => sum + estimateScenarioMs(s.params, s.pattern), 0);

test('parseDuration: 10m, 90s, 1h30m, 1.5h, bare seconds; nonsense is NaN', () => {
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('600'), 600_000);
  assert.equal(parseDuration('2min'), 120_000);
  for (const bad of ['', 'ten minutes', '10x', 'm', '10m garbage']) assert.ok(Number.isNaN(parseDuration(bad)), bad);
});

test('a budget the library fits in changes nothing and says so', async () => {
  const scenarios = await library();
  const { scenarios: fitted, plan } = fitToBudget(scenarios, total(scenarios) + 1000, '2h');
  assert.equal(plan.scale, 1);
  assert.deepEqual(
    fitted.map((s) => s.params),
    scenarios.map((s) => s.params),
  );
  assert.match(plan.notes[0] ?? '', /fit as they are/);
});

test('a tighter budget scales every scenario alike, fits, keeps the minimums, and says what it changed', async () => {
  const scenarios = await library();
  const budgetMs = total(scenarios) / 2;
  const { scenarios: fitted, plan } = fitToBudget(scenarios, budgetMs, 'half');
  assert.ok(plan.plannedMs <= budgetMs, 'fits');
  assert.ok(plan.plannedMs >= budgetMs * 0.8, 'and uses most of the budget');
  assert.ok(plan.scale > 0 && plan.scale < 1);
  for (const [index, scenario] of fitted.entries()) {
    const before = scenarios[index] as Scenario;
    assert.ok((scenario.params.cycles as number) >= Math.min(MIN_BUDGET_CYCLES, before.params.cycles as number));
    assert.ok((scenario.params.warmupCycles as number) >= 2);
    assert.ok((scenario.params.operationsPerCycle as number) <= (before.params.operationsPerCycle as number));
    assert.ok((scenario.params.settleSeconds as number) >= 1);
    assert.equal(scenario.params.closeMode, before.params.closeMode, 'pattern knobs are left alone');
  }
  assert.match(plan.notes[0] ?? '', /scaled to/);
  assert.ok(
    plan.notes.some((note) => /^connect-churn: operationsPerCycle 5000→\d+/.test(note)),
    plan.notes.join('\n'),
  );
});

test('a budget below the minimums is a usage error that names the least budget that works', async () => {
  const scenarios = await library();
  try {
    fitToBudget(scenarios, 60_000, '1m');
    assert.fail('expected a usage error');
  } catch (error) {
    assert.ok(isMqleakError(error) && error.exitCode === 64);
    assert.match(error.message, /--budget 1m: the \d+ scenarios need ~[\d.]+ min even at their minimums/);
    assert.match(error.hint ?? '', /give at least --budget \d+m/);
  }
});

test('credentials: flags before the environment; a password without a user name is a usage error', () => {
  assert.equal(credentialsFrom({}, {}), undefined);
  assert.deepEqual(credentialsFrom({}, { MQLEAK_USERNAME: 'u', MQLEAK_PASSWORD: 'p' }), {
    username: 'u',
    password: 'p',
  });
  assert.deepEqual(credentialsFrom({ username: 'v' }, { MQLEAK_USERNAME: 'u', MQLEAK_PASSWORD: 'p' }), {
    username: 'v',
    password: 'p',
  });
  assert.deepEqual(credentialsFrom({ username: 'v' }, {}), { username: 'v' });
  assert.throws(
    () => credentialsFrom({ password: 'p' }, {}),
    (error: unknown) => isMqleakError(error) && error.exitCode === 64,
  );
});

test('the CLI refuses, before any connection: --all with names, a budget too small, a password alone', async () => {
  const both = await cli(['run', '--all', 'connect-churn']);
  assert.equal(both.code, 64);
  assert.match(both.stderr, /--all with scenarios named \(connect-churn\)/);
  const small = await cli(['run', '--all', '--budget', '1m', '--broker', 'mqtt://127.0.0.1:9']);
  assert.equal(small.code, 64);
  assert.match(small.stderr, /--budget 1m: the \d+ scenarios need ~.* even at their minimums/);
  const nonsense = await cli(['run', 'connect-churn', '--budget', 'soon']);
  assert.equal(nonsense.code, 64);
  assert.match(nonsense.stderr, /--budget soon: not a time budget/);
  const alone = await cli(['run', 'connect-churn'], { MQLEAK_PASSWORD: 'p' });
  assert.equal(alone.code, 64);
  assert.match(alone.stderr, /a password without a user name/);
});
