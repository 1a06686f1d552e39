import type { ScenarioReport } from '../../core/report-model.js';
import { canonicalMetricName } from '../../core/metrics.js';
import { rateNote } from '../../load/pacing/pacing.js';
import { planSourceAddresses } from '../../load/fleet/source-addresses.js';
import { CONNECT_RATE } from '../../patterns/mass-connect.js';
import type { Scenario } from '../../scenario/load-scenario.js';
import type { Target } from '../../target/target.js';
import {
  brokerFdLimitNote,
  peakConnections,
  preflightNotes,
  readPreflightFacts,
  type PreflightFacts,
  type PreflightNote,
} from './preflight.js';

// The run's side of the limit checks (preflight.ts has the rules): read the limits once the target is
// known, note what the planned load will run into, and after each scenario say in plain words when the
// broker refused connections because it ran out of file descriptors.

export interface RunLimits {
  facts: PreflightFacts;
  notes: PreflightNote[];
}

/** The pre-run checks for every scenario of the run (a note once per scenario and check). */
export async function checkRunLimits(
  scenarios: readonly Scenario[],
  target: Target,
  sourceIps: readonly string[] = [],
): Promise<RunLimits> {
  const facts = await readPreflightFacts(target.pid ?? null);
  const notes = scenarios.flatMap((scenario) => {
    const connections = peakConnections(scenario.pattern.name, scenario.params);
    // Only mass-connect binds its clients to spread source addresses; every other pattern connects unbound.
    const sources =
      scenario.pattern.name === 'mass-connect'
        ? planSourceAddresses(target.address.host, connections, sourceIps).perCycle
        : 0;
    return preflightNotes(facts, { connections, sourceAddresses: sources, scenario: scenario.name });
  });
  return { facts, notes };
}

/**
 * The scenario report with `limits` added: a connect rate that was asked and not held, the broker's fd limit that
 * refused connections.
 */
export function withRunLimits(report: ScenarioReport, limits: RunLimits | null): ScenarioReport {
  const notes = [connectRateNote(report), brokerFdNote(report, limits)].filter((note): note is string => note !== null);
  return notes.length === 0 ? report : { ...report, limits: [...(report.limits ?? []), ...notes] };
}

function connectRateNote(report: ScenarioReport): string | null {
  const byBound = report.answers?.[CONNECT_RATE];
  const observed = report.observations ?? {};
  const asked = observed.connectRateAsked?.mean;
  if (byBound === undefined || asked === undefined) return null;
  return rateNote(`the connect rate of ${Math.round(asked).toLocaleString('en-US')}/s (connectRate)`, byBound, {
    asked,
    achieved: observed.connectsPerSecond?.mean ?? null,
    generatorCpuPct: observed.generatorCpuPct?.mean ?? null,
    brokerCpuPct: observed.brokerCpuPct?.mean ?? null,
  });
}

function brokerFdNote(report: ScenarioReport, limits: RunLimits | null): string | null {
  const fdLimit = limits?.facts.brokerFdLimit?.soft ?? null;
  if (fdLimit === null) return null;
  const names = [canonicalMetricName('fds'), 'fds'];
  let peak: number | null = null;
  for (const sample of report.samples) {
    for (const name of names) {
      const value = (sample as Record<string, unknown>)[name];
      if (typeof value === 'number') peak = Math.max(peak ?? value, value);
    }
  }
  return brokerFdLimitNote(peak, fdLimit, report.failures);
}
