// The embedded broker: with no --broker, mqleak starts one, prints verdicts and writes a report.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPackedSeries } from '../../src/report/json/packed-series.js';
import { checkReport } from '../../src/report/read-report.js';
import { runCli } from '../helpers/cli.js';

test(
  'mqleak run --quick connect-churn health-check-churn: embedded broker, verdicts printed, ' +
    'report written, JSON on stdout with --json -',
  async () => {
    const result = await runCli(['run', '--quick', '--json', '-', 'connect-churn', 'health-check-churn']);
    assert.ok(result.report, 'a report was written to --out');
    const written = JSON.parse(result.stdout) as { schemaVersion: number; scenarios: { samples: unknown }[] };
    assert.equal(written.schemaVersion, 2);
    assert.ok(
      written.scenarios.every((s) => isPackedSeries(s.samples)),
      'the series are written packed',
    );
    // Read as `mqleak report` reads it: schema-checked, the packed series unpacked.
    const fromStdout = checkReport(written, 'stdout');
    assert.deepEqual(
      fromStdout.scenarios.map((s) => s.name),
      ['connect-churn', 'health-check-churn'],
    );
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
    // Self-check: mqleak's own processes, sampled and judged next to the broker, the broker's branch left out.
    assert.ok(
      ['pass', 'leak', 'inconclusive'].includes(fromStdout.selfVerdict ?? ''),
      `selfVerdict ${fromStdout.selfVerdict}`,
    );
    const processes = fromStdout.selfProcesses;
    assert.ok(processes !== undefined && processes.pids.length >= 1 && processes.maxProcesses >= 1);
    assert.ok(
      processes.excludedPids.includes(fromStdout.target?.pid ?? -1),
      'the embedded broker is not counted as mqleak',
    );
    assert.ok(!processes.pids.includes(fromStdout.target?.pid ?? -1));
    for (const scenario of fromStdout.scenarios) {
      assert.ok((scenario.selfSamples?.length ?? 0) > 20, 'self samples are in the report');
      // A sample taken on demand while a scheduled read is still running has no values (the sampler skips the busy
      // probe).
      const read = (scenario.selfSamples ?? []).filter((sample) => sample['proc.rss'] !== undefined);
      assert.ok(
        read.length >= 0.9 * (scenario.selfSamples?.length ?? 0),
        `${read.length} of ${scenario.selfSamples?.length} self samples have values`,
      );
      assert.ok(
        read.every(
          (sample) => (sample['proc.rss'] ?? 0) > 0 && (sample['node.heap'] ?? 0) > 0 && (sample['proc.fds'] ?? 0) > 0,
        ),
      );
      const names = (scenario.selfMetrics ?? []).map((metric) => metric.name);
      for (const name of ['node.liveHeap', 'proc.fds', 'proc.threads'])
        assert.ok(names.includes(name), `self metric ${name} judged`);
      for (const metric of scenario.selfMetrics ?? [])
        assert.ok(['pass', 'leak', 'inconclusive'].includes(metric.verdict));
      assert.ok(
        scenario.cycles.every(
          (cycle) =>
            cycle.selfGcForced === true &&
            (cycle.selfFloors?.['node.liveHeap'] ?? 0) > 0 &&
            (cycle.selfFloors?.['proc.rss'] ?? 0) > 0,
        ),
        'a self floor per cycle (RSS recorded too), after a forced GC',
      );
    }
    assert.match(result.stderr, /self-check: mqleak itself \(\d+ process(es)?\) (PASS|LEAK|INCONCLUSIVE)/);
  },
);
