import type { CheckReport, ObservationReport, ScenarioReport } from '../../core/report-model.js';
import type { CheckTally, ObservationTally } from '../pattern.js';

// What a pattern saw the broker do, beyond "the operation worked": protocol checks, the broker's answers
// per variant, measured quantities. Collected per cycle by the pattern, summed over the scenario by the run.

export type { ProtocolFactFields } from '../../core/recording.js';
import type { ProtocolFactFields } from '../../core/recording.js';

/** Collects one cycle's facts; `take()` hands them over and starts afresh for the next cycle. */
export class ProtocolFacts {
  private checks: Record<string, CheckTally> = {};
  private answers: Record<string, Record<string, number>> = {};
  private observations: Record<string, ObservationTally> = {};

  /** One more time `name` should hold; `held` says whether it did. */
  check(name: string, held: boolean): void {
    const tally = (this.checks[name] ??= { expected: 0, observed: 0 });
    tally.expected++;
    if (held) tally.observed++;
  }

  /**
   * Names a check this cycle could not exercise (no observer, nothing called for it): reported as `not-exercised`
   * unless some cycle did.
   */
  declare(name: string): void {
    this.checks[name] ??= { expected: 0, observed: 0 };
  }

  answer(variant: string, answer: string): void {
    const byAnswer = (this.answers[variant] ??= {});
    byAnswer[answer] = (byAnswer[answer] ?? 0) + 1;
  }

  observe(name: string, value: number): void {
    addObservation(this.observations, name, { count: 1, min: value, max: value, total: value });
  }

  take(): ProtocolFactFields {
    const fields: ProtocolFactFields = {};
    if (Object.keys(this.checks).length > 0) fields.checks = this.checks;
    if (Object.keys(this.answers).length > 0) fields.answers = this.answers;
    if (Object.keys(this.observations).length > 0) fields.observations = this.observations;
    this.checks = {};
    this.answers = {};
    this.observations = {};
    return fields;
  }
}

function addObservation(into: Record<string, ObservationTally>, name: string, tally: ObservationTally): void {
  const current = into[name];
  into[name] =
    current === undefined
      ? { ...tally }
      : {
          count: current.count + tally.count,
          min: Math.min(current.min, tally.min),
          max: Math.max(current.max, tally.max),
          total: current.total + tally.total,
        };
}

/** Adds one cycle's facts to a scenario's running totals (mutates `into`). */
export function mergeProtocolFacts(into: Required<ProtocolFactFields>, cycle: ProtocolFactFields): void {
  for (const [name, tally] of Object.entries(cycle.checks ?? {})) {
    const current = (into.checks[name] ??= { expected: 0, observed: 0 });
    current.expected += tally.expected;
    current.observed += tally.observed;
  }
  for (const [variant, byAnswer] of Object.entries(cycle.answers ?? {})) {
    const current = (into.answers[variant] ??= {});
    for (const [answer, count] of Object.entries(byAnswer)) current[answer] = (current[answer] ?? 0) + count;
  }
  for (const [name, tally] of Object.entries(cycle.observations ?? {})) addObservation(into.observations, name, tally);
}

export function emptyProtocolFacts(): Required<ProtocolFactFields> {
  return { checks: {}, answers: {}, observations: {} };
}

/** A scenario's facts as the report shows them; fields with nothing in them are left out. */
export function protocolFactsReport(
  facts: Required<ProtocolFactFields>,
): Pick<ScenarioReport, 'checks' | 'answers' | 'observations'> {
  const report: Pick<ScenarioReport, 'checks' | 'answers' | 'observations'> = {};
  const checks = Object.entries(facts.checks);
  if (checks.length > 0) {
    report.checks = Object.fromEntries(
      checks.map(([name, { expected, observed }]): [string, CheckReport] => [
        name,
        { expected, observed, status: expected === 0 ? 'not-exercised' : observed === expected ? 'held' : 'failed' },
      ]),
    );
  }
  if (Object.keys(facts.answers).length > 0) report.answers = facts.answers;
  const observations = Object.entries(facts.observations);
  if (observations.length > 0) {
    report.observations = Object.fromEntries(
      observations.map(([name, tally]): [string, ObservationReport] => [
        name,
        { count: tally.count, min: tally.min, max: tally.max, mean: tally.total / tally.count },
      ]),
    );
  }
  return report;
}
