import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { isMqleakError } from '../../../src/core/errors.js';
import { PATTERNS } from '../../../src/patterns/catalogue.js';
import { publishedScenarioSchema } from '../../../src/scenario/json-schema.js';
import { builtinScenarioNames, loadScenario, parseScenario } from '../../../src/scenario/load-scenario.js';
import { applyOverrides, parseOverride, parseThreshold } from '../../../src/scenario/overrides.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isMqleakError(error) && error.exitCode === 64, 'a usage error (exit 64)');
    return `${error.message} | ${error.hint ?? ''}`;
  }
  assert.fail('expected a usage error');
}

test('every built-in scenario loads, in full and quick form, and names a known pattern', async () => {
  const names = await builtinScenarioNames();
  assert.ok(names.includes('health-check-churn') && names.includes('connect-churn'));
  for (const name of names) {
    const full = await loadScenario(name, false);
    const quick = await loadScenario(name, true);
    assert.equal(full.name, name, 'file name and scenario name agree');
    assert.ok(PATTERNS.has(full.pattern.name));
    assert.ok((quick.params.cycles as number) <= (full.params.cycles as number), '--quick is not longer');
    assert.ok((full.params.warmupCycles as number) >= 2, 'at least 2 warm-up cycles');
  }
});

test('the published schema file is the one the code builds', async () => {
  const published = JSON.parse(
    await readFile(new URL('../../../schema/scenario.schema.json', import.meta.url), 'utf8'),
  ) as unknown;
  assert.deepEqual(published, publishedScenarioSchema(), 'run `npm run schema` after changing parameters');
});

test('defaults fill in what a file leaves out; quick overrides parameters', () => {
  const text = 'name: mine\ndescription: d\npattern: connect-churn\nparameters:\n  cycles: 20\nquick:\n  cycles: 5\n';
  assert.equal(parseScenario(text, 'mine.yaml', false, false).params.cycles, 20);
  assert.equal(parseScenario(text, 'mine.yaml', false, true).params.cycles, 5);
  assert.equal(parseScenario(text, 'mine.yaml', false, false).params.abruptShare, 0.5);
});

test('a bad file names the file, the field path and what is allowed', () => {
  const bad = (body: string): string =>
    usageMessage(() => parseScenario(`name: x\ndescription: d\n${body}`, 'x.yaml', false, false));
  assert.match(
    bad('pattern: connect-churn\nparameters:\n  concurrency: 0\n'),
    /x\.yaml: parameters\.concurrency: must be >= 1 \| concurrency: an integer from 1 to 10000/,
  );
  assert.match(
    bad('pattern: connect-churn\nparameters:\n  closeMode: reset\n'),
    /parameters\.closeMode: is not a known field \| known parameters: .*abruptShare/,
  );
  assert.match(
    bad('pattern: health-check-churn\nparameters:\n  closeMode: sideways\n'),
    /parameters\.closeMode: must be equal to one of the allowed values \| closeMode: one of close, reset, garbage, silent, mixed/,
  );
  assert.match(bad('pattern: nope\n'), /x\.yaml: pattern: .* \| allowed patterns: health-check-churn, connect-churn/);
  assert.match(bad('pattern: connect-churn\ncolour: red\n'), /x\.yaml: colour: is not a known field/);
  assert.match(bad('pattern: connect-churn\nthresholds:\n  rss: -1\n'), /x\.yaml: thresholds\.rss/);
  assert.match(
    usageMessage(() => parseScenario('name: [unclosed', 'y.yaml', false, false)),
    /y\.yaml: line 1: not valid YAML/,
  );
  assert.match(
    usageMessage(() => parseScenario('description: d\npattern: connect-churn\n', 'z.yaml', false, false)),
    /z\.yaml: name: is missing/,
  );
});

test('--set: typed, bounded, scoped to a scenario, thresholds with units', async () => {
  const scenarios = [await loadScenario('connect-churn', false), await loadScenario('health-check-churn', false)];
  const [connect, health] = applyOverrides(
    scenarios,
    ['cycles=30', 'connect-churn:abruptShare=1', 'thresholds.rss=1KB', 'closeMode=reset'].map(parseOverride),
  );
  assert.equal(connect?.params.cycles, 30);
  assert.equal(health?.params.cycles, 30);
  assert.equal(connect?.params.abruptShare, 1);
  assert.equal(health?.params.closeMode, 'reset', 'a key applies where the pattern knows it');
  assert.equal(connect?.thresholds.rss, 1024);
  assert.equal(scenarios[0]?.params.cycles, 12, 'the loaded scenarios are not changed');

  assert.match(
    usageMessage(() => applyOverrides(scenarios, [parseOverride('cycles=2.5')])),
    /--set cycles=2\.5: cycles must be an integer from 3 to 10000/,
  );
  assert.match(
    usageMessage(() => applyOverrides(scenarios, [parseOverride('nope=1')])),
    /unknown parameter 'nope'/,
  );
  assert.match(
    usageMessage(() => applyOverrides(scenarios, [parseOverride('other:cycles=5')])),
    /no scenario named 'other'/,
  );
  assert.match(
    usageMessage(() => applyOverrides(scenarios, [parseOverride('thresholds.cpu=5')])),
    /no threshold for 'cpu'/,
  );
  assert.match(
    usageMessage(() => parseOverride('justakey')),
    /expected KEY=VALUE/,
  );
  assert.equal(parseThreshold('0.01', 'x'), 0.01);
  assert.equal(parseThreshold('2 MB', 'x'), 2 * 1024 * 1024);
  assert.match(
    usageMessage(() => parseThreshold('0', 'x')),
    /positive/,
  );
});
