// The stopping rule of adaptive length: at a look, judge the cycles so far at the look's alpha and
// stop when every metric is PASS (a LEAK is confirmed up to the cap). Pure: recording and samples in, decision out.

import { allDecided, stopsEarly } from '../analysis/sequential.js';
import type { ScenarioRecording } from '../core/recording.js';
import type { MetricInfo, Sample } from '../core/metrics.js';
import { judgeScenario, type ScenarioThresholds } from './judge-scenario.js';

export interface LookDecision {
  /** Every metric PASS or LEAK at this look. */
  decided: boolean;
  /** Every metric PASS: the scenario may stop here (stopsEarly). */
  stop: boolean;
  /** Metrics still INCONCLUSIVE at this look, for progress output. */
  undecided: string[];
}

/**
 * Judges the cycles recorded so far at two-sided family alpha `alpha` (the look's slice of the
 * scenario's). No recovery has run yet: a LEAK here is confirmed or turned into `transient` by the
 * final judgement after recovery, at the same alpha.
 */
export function judgeLook(
  scenario: ScenarioThresholds,
  recording: ScenarioRecording,
  samples: readonly Sample[],
  known: readonly MetricInfo[],
  alpha: number,
): LookDecision {
  const provisional: ScenarioRecording = {
    ...recording,
    recoveryFloors: {},
    phases: recording.phases.filter((phase) => phase.name !== 'recovery'),
    sequential: { ...(recording.sequential ?? seqAt(alpha)), alpha },
  };
  const judgement = judgeScenario(scenario, provisional, samples, known);
  // A rotating scenario is decided only when each variant family is too: one family's leak is not averaged away.
  const judged = [
    ...judgement.metrics,
    ...(judgement.families ?? []).flatMap((family) =>
      family.metrics.map((metric) => ({ ...metric, name: `${family.name}/${metric.name}` })),
    ),
  ];
  return {
    decided: allDecided(judged.map((metric) => metric.verdict)),
    stop: stopsEarly(judged.map((metric) => metric.verdict)),
    undecided: judged.filter((metric) => metric.verdict === 'inconclusive').map((metric) => metric.name),
  };
}

function seqAt(alpha: number): NonNullable<ScenarioRecording['sequential']> {
  return {
    familyAlpha: alpha,
    alpha,
    look: 0,
    looks: 0,
    measuredCycles: 0,
    capCycles: 0,
    stopReason: 'cap',
    decidedAtMs: null,
  };
}
