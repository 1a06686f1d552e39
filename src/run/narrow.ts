import { errorMessage } from '../core/errors.js';
import type { Params } from '../core/params.js';
import type {
  FamilyReport,
  NarrowedCaseReport,
  NarrowingReport,
  NarrowingTryReport,
  ScenarioReport,
} from '../core/report-model.js';
import type { Scenario } from '../scenario/load-scenario.js';
import { leakingFamily } from '../verdict/judge-families.js';
import {
  NARROW_MEASURED_CYCLES,
  NARROW_WARMUP_CYCLES,
  nextNarrowStep,
  shouldNarrow,
} from '../verdict/narrow-choice.js';
import { writeReproFile } from './repro-file.js';

// Narrowing: after a scenario's LEAK in one of its variant families, rerun that family alone, then its
// cases one at a time (src/verdict/narrow-choice.ts decides), against the same target and sampler, within
// a time cap. The result, with the leaking case's bytes and a scenario file that reproduces it, goes into
// the scenario's report (`narrowing`).

export interface NarrowOptions {
  /** The most narrowing may take, ms. */
  capMs: number;
  /** Where the repro scenario file goes; null: none written. */
  reproDir: string | null;
}

export interface NarrowDeps extends NarrowOptions {
  /** Records and judges one scenario against the run's target, as the run does. */
  runScenario(scenario: Scenario): Promise<ScenarioReport>;
  now(): number;
}

/** The metric narrowing follows: the family's LEAK metric with the largest lower bound over δ. */
function leakingMetric(family: FamilyReport): string {
  let best: { name: string; low: number } | null = null;
  for (const metric of family.metrics) {
    if (metric.verdict !== 'leak' || metric.ci === null) continue;
    const low = metric.ci[0] / Math.max(metric.thresholdPerOp, Number.MIN_VALUE);
    if (best === null || low > best.low) best = { name: metric.name, low };
  }
  return best?.name ?? family.metrics[0]?.name ?? 'proc.rss';
}

/** Every answer of a run, summed over the variants it tried (a restricted run tries one family). */
function answersOf(report: ScenarioReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const byAnswer of Object.values(report.answers ?? {}))
    for (const [answer, count] of Object.entries(byAnswer)) out[answer] = (out[answer] ?? 0) + count;
  return out;
}

/** The run shape of a narrowing try: the scenario's, with the few cycles narrowing needs. */
function narrowShape(params: Params): Params {
  return { ...params, warmupCycles: NARROW_WARMUP_CYCLES, cycles: NARROW_MEASURED_CYCLES };
}

/** Finds which family, then which case, of a LEAK scenario leaks; null when no family is LEAK or the leak is everywhere (see shouldNarrow). */
export async function narrowLeak(
  scenario: Scenario,
  report: ScenarioReport,
  deps: NarrowDeps,
): Promise<NarrowingReport | null> {
  const space = scenario.pattern.variants;
  const family = leakingFamily(report.families);
  if (space === undefined || family === null || !shouldNarrow(report.families, report.metrics)) return null;
  const metric = leakingMetric(family);
  const cases = space.cases(scenario.params, family.name);
  const started = deps.now();
  const tries: NarrowingTryReport[] = [];
  const paramsOf = (caseId?: string): Params => narrowShape(space.restrict(scenario.params, family.name, caseId));

  for (;;) {
    const step = nextNarrowStep({
      caseIds: cases.map((entry) => entry.id),
      tries,
      elapsedMs: deps.now() - started,
      capMs: deps.capMs,
    });
    if (step.kind === 'done') {
      const found = step.caseId === null ? null : (cases.find((entry) => entry.id === step.caseId) ?? null);
      const evidence = tries.find((entry) => entry.verdict === 'leak' && entry.caseId === step.caseId) ?? tries[0];
      const narrowedCase: NarrowedCaseReport | null =
        found === null
          ? null
          : {
              family: family.name,
              id: found.id,
              description: found.description,
              ...(found.rule === undefined ? {} : { rule: found.rule }),
              bytesHex: found.bytesHex ?? null,
              answers: evidence?.answers ?? {},
              metric,
              perOp: evidence?.perOp ?? null,
              ci: evidence?.ci ?? null,
            };
      let reproFile: string | null = null;
      let reproNote = '';
      const reproCase = step.outcome === 'case' ? found : null;
      if (deps.reproDir !== null && (reproCase !== null || step.outcome === 'family')) {
        const id = reproCase?.id ?? family.name;
        const params = paramsOf(reproCase === null || cases.length === 1 ? undefined : reproCase.id);
        try {
          reproFile = await writeReproFile(deps.reproDir, scenario, id, reproCase?.description ?? family.name, params);
        } catch (error) {
          reproNote = ` The repro file could not be written: ${errorMessage(error)}.`;
        }
      }
      return {
        outcome: step.outcome,
        family: family.name,
        summary: summaryOf(step.outcome, family.name, narrowedCase, tries, scenario) + reproNote,
        case: narrowedCase,
        tries,
        reproFile,
        wallMs: deps.now() - started,
        capMs: deps.capMs,
      };
    }
    const caseId = step.kind === 'case' ? step.caseId : undefined;
    const label = caseId ?? family.name;
    const tryStarted = deps.now();
    const run = await deps.runScenario({
      ...scenario,
      name: `${scenario.name}[${label}]`,
      params: paramsOf(caseId),
    });
    const figures = run.metrics.find((entry) => entry.name === metric);
    tries.push({
      family: family.name,
      ...(caseId === undefined ? {} : { caseId }),
      verdict: run.verdict,
      metric: figures === undefined ? null : metric,
      perOp: figures?.perOp ?? null,
      ci: figures?.ci ?? null,
      wallMs: deps.now() - tryStarted,
      answers: answersOf(run),
    });
  }
}

function summaryOf(
  outcome: NarrowingReport['outcome'],
  family: string,
  found: NarrowedCaseReport | null,
  tries: readonly NarrowingTryReport[],
  scenario: Scenario,
): string {
  switch (outcome) {
    case 'case':
      return `${scenario.name} leaks in ${family}, case ${found?.id}: ${found?.description}.`;
    case 'family':
      return (
        `${family} leaks when run alone, but none of its ${tries.length - 1} cases tried did on its own: the ` +
        'leak needs them together.'
      );
    case 'not-reproduced':
      return (
        `${family} did not leak when run alone (${tries[0]?.verdict.toUpperCase()}): the leak needs the other ` +
        'families, or was not steady.'
      );
    case 'out-of-time':
      return `${family} leaks alone; the time cap ran out before a single case was found (${tries.length - 1} tried).`;
    case 'error':
      return `a narrowing run of ${family} failed; see the tries.`;
  }
}
