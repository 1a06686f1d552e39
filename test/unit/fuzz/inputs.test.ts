// Property-based fuzzing (fast-check) of everything a user hands mqleak: scenario files, --set, --threshold,
// --probe and duration values, report files for `report` and `compare`. The property is the contract for bad
// input: a usage error (exit 64) with a one-line message (and at most a hint line), never a stack trace
// without --verbose, never another exception, never a hang. Seeded and small so the unit suite stays fast;
// a failure prints its seed and the shrunk input.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { parseThresholdFlags } from '../../../src/cli/validate.js';
import { isMqleakError } from '../../../src/core/errors.js';
import { parseProbeSpecs } from '../../../src/sample/build-probes.js';
import { loadScenario, parseScenario, type Scenario } from '../../../src/scenario/load-scenario.js';
import { applyOverrides, parseOverride } from '../../../src/scenario/overrides.js';
import { mainCli } from '../../helpers/main-cli.js';

/** Fixed seed: the suite is reproducible; change it locally to explore further. */
const SEED = 17;
/** Runs per property: enough to walk the grammar's corners, small enough for a unit suite (< 1 s each). */
const RUNS = 150;
/** CLI round trips cost a process-internal run of commander each: fewer. */
const CLI_RUNS = 40;
const params = { seed: SEED, numRuns: RUNS };

/** The contract for a rejected input: a usage error, one line, no newline inside the message. */
function assertUsageOrValue(run: () => unknown, input: string): void {
  try {
    run();
  } catch (error) {
    assert.ok(isMqleakError(error), `not a mqleak error for ${JSON.stringify(input)}: ${String(error)}`);
    assert.equal(error.kind, 'usage', `${JSON.stringify(input)}: ${error.message}`);
    assert.ok(!error.message.includes('\n'), `one line: ${JSON.stringify(error.message)}`);
    assert.ok(error.message.length > 0);
  }
}

/** stderr of a refused CLI call: one `mqleak:` line, an optional hint line, no stack frames. */
function assertOneLine(stderr: string, input: unknown): void {
  const lines = stderr.trimEnd().split('\n');
  assert.ok(lines.length >= 1 && lines.length <= 2, `${JSON.stringify(input)} gave ${lines.length} lines: ${stderr}`);
  assert.match(lines[0] ?? '', /^(mqleak: |error: )/);
  if (lines[1] !== undefined) assert.match(lines[1], /^ {2}hint: /);
  assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
}

/** Text that looks like the inputs: fragments of the real grammar mixed with arbitrary characters. */
function grammarish(fragments: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(
      fc.oneof(
        fc.constantFrom(...fragments),
        fc.string({ maxLength: 6 }),
        fc.string({ unit: 'grapheme', maxLength: 3 }),
      ),
      {
        maxLength: 8,
      },
    )
    .map((parts) => parts.join(''));
}

let scenario: Scenario;
let dir: string;
before(async () => {
  scenario = await loadScenario('connect-churn', true);
  dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-fuzz-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('--set values: a parameter or a usage error, never anything else', () => {
  const names = Object.keys(scenario.params);
  const text = grammarish([
    ...names,
    '=',
    ':',
    'connect-churn:',
    '1',
    '0',
    '-1',
    '1e9',
    'NaN',
    '0.5',
    ' ',
    'true',
    's',
    'ms',
  ]);
  fc.assert(
    fc.property(text, (input) => {
      assertUsageOrValue(() => applyOverrides([scenario], [parseOverride(input)]), input);
    }),
    params,
  );
});

test('--threshold values: a limit or a usage error', () => {
  const text = grammarish([
    'rss',
    'proc.fds',
    '<=',
    '<',
    '64',
    'B',
    'KB',
    'MB',
    '/op',
    '/h',
    '*:',
    'connect-churn:',
    '.',
    ' ',
    '-',
  ]);
  fc.assert(
    fc.property(text, (input) => {
      assertUsageOrValue(() => parseThresholdFlags([input], ['connect-churn'], 'command-line'), input);
    }),
    params,
  );
});

test('--probe values: a probe spec or a usage error', () => {
  const text = grammarish([
    'proc',
    'sys',
    'http',
    'cgroup',
    'cmd',
    ':',
    '=',
    'bytes',
    'count',
    'connections',
    'http://',
    '{pid}',
    '/',
  ]);
  fc.assert(
    fc.property(text, (input) => {
      assertUsageOrValue(() => parseProbeSpecs([input]), input);
    }),
    params,
  );
});

test(
  'duration values (--budget, --soak, --interval) through the CLI: exit 64 and one line, before anything ' + 'starts',
  async () => {
    const value = grammarish(['10', '1', '0', '-', '.', 'm', 's', 'ms', 'h', 'min', ' ', 'e9', '99999999999']);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('--budget', '--soak', '--interval'), value, async (flag, input) => {
        // An unknown scenario: a value that is valid still ends in exit 64 before any broker is started.
        const { code, stderr } = await mainCli(['run', 'no-such-scenario-fuzz', '--out', dir, `${flag}=${input}`]);
        assert.equal(code, 64, `${flag}=${JSON.stringify(input)}: ${stderr}`);
        assertOneLine(stderr, input);
      }),
      { seed: SEED, numRuns: CLI_RUNS },
    );
  },
);

test('scenario files: arbitrary text, and a valid file with one field replaced by any JSON value', async () => {
  const original = await readFile(new URL('../../../scenarios/connect-churn.yaml', import.meta.url), 'utf8');
  const asObject = { name: 'fuzzed', pattern: 'connect-churn', parameters: { ...scenario.params } };
  const keys = ['name', 'pattern', 'parameters', 'quick', 'description', 'limits', ...Object.keys(scenario.params)];
  const mutated = fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => {
    const copy = structuredClone(asObject) as Record<string, unknown>;
    if (key in (copy.parameters as object)) (copy.parameters as Record<string, unknown>)[key] = value;
    else copy[key] = value;
    return JSON.stringify(copy);
  });
  const text = fc.oneof(
    fc.string({ maxLength: 200 }),
    mutated,
    fc.nat(original.length).map((cut) => original.slice(0, cut)),
  );
  fc.assert(
    fc.property(text, (input) => {
      assertUsageOrValue(() => parseScenario(input, 'fuzzed.yaml', false, false), input);
    }),
    params,
  );
});

test('report files for `report` and `compare`: exit 64 and one line for anything that is not a report', async () => {
  const valid = await readFile(new URL('../../fixtures/reports/quick-clean.json', import.meta.url), 'utf8');
  const parsed = JSON.parse(valid) as Record<string, unknown>;
  const keys = Object.keys(parsed);
  const mutated = fc
    .tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 }))
    .map(([key, value]) => JSON.stringify({ ...parsed, [key]: value }));
  const text = fc.oneof(
    fc.string({ maxLength: 100 }),
    fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc.nat(valid.length).map((cut) => valid.slice(0, cut)),
    mutated,
  );
  const file = path.join(dir, 'fuzzed.json');
  const good = path.join(dir, 'good.json');
  await writeFile(good, valid);
  await fc.assert(
    fc.asyncProperty(text, fc.boolean(), async (content, compare) => {
      await writeFile(file, content);
      const { code, stderr } = await mainCli(compare ? ['compare', good, file] : ['report', file]);
      if (code === 64) assertOneLine(stderr, content);
      else assert.ok([0, 1].includes(code), `exit ${code} for ${content.slice(0, 80)}: ${stderr}`);
      assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
      assert.doesNotMatch(stderr, /internal error/, `no internal error: ${stderr}`);
    }),
    { seed: SEED, numRuns: CLI_RUNS },
  );
});
