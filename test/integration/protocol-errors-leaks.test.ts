// Ground truth for protocol-errors: the fixture broker with its error-path leak modes, and a native MQTT
// server leaking on one property-list error path. Short walks with a GC hook (`--gc-cmd "kill -USR2 {pid}"`:
// the fixture's floors are post-GC), never the defaults (the default run is protocol-errors.test.ts's, on
// Debian's Mosquitto):
// - narrowing of subscribe-option: pending/protocol-errors-narrowing.test.ts (passed alone twice; in the full
//   suite, beside the other lanes, the family-alone step of narrowing was INCONCLUSIVE once: not in CI yet);
// - the native server: LEAK with its --leak error path, PASS without.
// Several modes at once, each LEAK in its own family: pending/protocol-errors-apart.test.ts (flaky, not in CI).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { FamilyReport, MetricReport, RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { REPO_ROOT, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const GC_HOOK = ['--gc-cmd', 'kill -USR2 {pid}'];
/** Short cycles: the silent way out holds 0.2 s (no mode here depends on how a client leaves). */
const SHORT = ['baselineSeconds=0.5', 'settleSeconds=0.5', 'recoverySeconds=1', 'silenceHoldMs=200'];
/**
 * A whole family per cycle: one warm-up round (the walk runs one family per cycle from the first, and a family's
 * first cycle fills its pool of persistent sessions), then two measured cycles per family.
 */
function familyShape(families: readonly string[]): string[] {
  return [
    `families=${families.join(',')}`,
    `warmupCycles=${Math.max(2, families.length)}`,
    `cycles=${Math.max(6, 2 * families.length)}`,
    'operationsPerCycle=150',
    'concurrency=75',
    ...SHORT,
  ];
}
/** A few chosen base cases, each with its 12 crossings: one round of them per cycle; six measured cycles. */
function _caseShape(cases: readonly string[]): string[] {
  return [
    `cases=${cases.join(',')}`,
    'warmupCycles=2',
    'cycles=6',
    `operationsPerCycle=${12 * cases.length}`,
    `concurrency=${12 * cases.length}`,
    ...SHORT,
  ];
}

function sets(values: readonly string[]): string[] {
  return values.flatMap((value) => ['--set', value]);
}

function scenario(report: RunReport | null): ScenarioReport {
  const found = report?.scenarios[0];
  assert.ok(found, 'the report has the scenario');
  return found;
}

function rss(report: ScenarioReport | FamilyReport): MetricReport | FamilyReport['metrics'][number] {
  const found = report.metrics.find((metric) => metric.name === 'proc.rss');
  assert.ok(found, 'an rss verdict');
  return found;
}

function figures(metric: { perOp?: number | null; bytesPerOp?: number | null; ci: [number, number] | null }) {
  const value = metric.perOp ?? metric.bytesPerOp ?? null;
  return `${value?.toFixed(0)} B/op [${metric.ci?.map((v) => v.toFixed(0)).join(', ')}]`;
}

async function _walk(broker: TestBroker, args: readonly string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
  return runCli([
    'run',
    'protocol-errors',
    '--broker',
    broker.url,
    '--pid',
    String(broker.pid),
    '--no-html',
    ...GC_HOOK,
    ...args,
  ]);
}

describe('native MQTT server leaking its property list on one error path (c-leak/property-broker.c)', () => {
  let dir: string;
  let binary: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-property-broker-'));
    binary = path.join(dir, 'property-broker');
    await promisify(execFile)('cc', [
      '-O2',
      '-o',
      binary,
      path.join(REPO_ROOT, 'test/fixtures/c-leak/property-broker.c'),
    ]);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function runAgainst(leak: boolean): Promise<Awaited<ReturnType<typeof runCli>>> {
    const child = spawn(binary, ['--port', '0', ...(leak ? ['--leak'] : [])], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /listening on port (\d+)/.exec(chunk.toString());
          if (match?.[1] !== undefined) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`property-broker exited with ${code}`)));
      });
      // Native: no garbage collector, so no GC hook; its floors are its own.
      return await runCli([
        'run',
        'protocol-errors',
        '--broker',
        `mqtt://127.0.0.1:${port}`,
        '--pid',
        String(child.pid),
        '--no-html',
        '--no-narrow',
        ...sets(familyShape(['connect-properties'])),
      ]);
    } finally {
      child.kill('SIGTERM');
    }
  }

  test('with --leak: LEAK, exit 1', async (t) => {
    const result = await runAgainst(true);
    const metric = rss(scenario(result.report));
    t.diagnostic(figures(metric));
    assert.equal(metric.verdict, 'leak', metric.reason);
    assert.equal(result.code, 1, result.stderr);
  });

  test('without it: PASS, exit 0', async () => {
    const result = await runAgainst(false);
    const metric = rss(scenario(result.report));
    assert.equal(metric.verdict, 'pass', metric.reason);
    assert.equal(result.code, 0, result.stderr);
  });
});
