// The embedded broker: with no --broker, mqleak starts one, prints verdicts and writes a report.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';

test('mqleak run --quick connect-churn health-check-churn: embedded broker, verdicts printed, report written, JSON on stdout with --json -', async () => {
  const result = await runCli(['run', '--quick', '--json', '-', 'connect-churn', 'health-check-churn']);
  assert.ok(result.report, 'a report was written to --out');
  const fromStdout = JSON.parse(result.stdout) as typeof result.report;
  assert.equal(fromStdout.schemaVersion, 1);
  assert.deepEqual(fromStdout.scenarios.map((s) => s.name), ['connect-churn', 'health-check-churn']);
  assert.equal(fromStdout.target?.kind, 'embedded');
  assert.match(result.stderr, /verdict: (PASS|LEAK|INCONCLUSIVE) \(exit [012]\)/, 'the table went to stderr');
  for (const scenario of fromStdout.scenarios) {
    assert.ok(scenario.samples.length > 20, 'samples are in the report');
    for (const metric of scenario.metrics) {
      assert.ok(['pass', 'leak', 'inconclusive'].includes(metric.verdict));
      assert.equal(typeof metric.reason, 'string');
      if (metric.kind === 'bytes') assert.ok(metric.ci === null || metric.ci[0] <= metric.ci[1]);
    }
  }
  assert.equal(result.code, fromStdout.exitCode);
});
