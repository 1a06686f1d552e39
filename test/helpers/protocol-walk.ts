// Shared by the protocol-errors ground-truth tests: short walks of chosen families or cases, and the figures read.
import assert from 'node:assert/strict';
import type { FamilyReport, MetricReport, RunReport, ScenarioReport } from '../../src/core/report-model.js';
import type { TestBroker } from './brokers.js';
import { runCli } from './cli.js';

/** The fixture collects its garbage on SIGUSR2: every floor is then taken after a collection. */
export const GC_HOOK = ['--gc-cmd', 'kill -USR2 {pid}'];
/** Short cycles: the silent way out holds 0.2 s (no mode here depends on how a client leaves). */
export const SHORT = ['baselineSeconds=0.5', 'settleSeconds=0.5', 'recoverySeconds=1', 'silenceHoldMs=200'];

/**
 * A whole family per cycle: one warm-up round (the walk runs one family per cycle from the first, and a family's
 * first cycle fills its pool of persistent sessions), then two measured cycles per family.
 */
export function familyShape(families: readonly string[]): string[] {
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
export function caseShape(cases: readonly string[]): string[] {
  return [
    `cases=${cases.join(',')}`,
    'warmupCycles=2',
    'cycles=6',
    `operationsPerCycle=${12 * cases.length}`,
    `concurrency=${12 * cases.length}`,
    ...SHORT,
  ];
}

export function sets(values: readonly string[]): string[] {
  return values.flatMap((value) => ['--set', value]);
}

export function scenario(report: RunReport | null): ScenarioReport {
  const found = report?.scenarios[0];
  assert.ok(found, 'the report has the scenario');
  return found;
}

export function rss(report: ScenarioReport | FamilyReport): MetricReport | FamilyReport['metrics'][number] {
  const found = report.metrics.find((metric) => metric.name === 'proc.rss');
  assert.ok(found, 'an rss verdict');
  return found;
}

export function figures(metric: { perOp?: number | null; bytesPerOp?: number | null; ci: [number, number] | null }) {
  const value = metric.perOp ?? metric.bytesPerOp ?? null;
  return `${value?.toFixed(0)} B/op [${metric.ci?.map((v) => v.toFixed(0)).join(', ')}]`;
}

/** protocol-errors against a broker judged by its PID, with the GC hook; `args`: the walk's own flags. */
export async function walk(broker: TestBroker, args: readonly string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
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
