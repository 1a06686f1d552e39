// Shared pieces of a MetricVerdict: the figures every verdict reports, whatever it says.

import type { JudgeOptions, MetricSeries, MetricVerdict, ReasonCode, Verdict } from '../core/verdict-types.js';
import { MIN_JUDGED_CYCLES, type PreparedSeries } from './prepare.js';
import type { TheilSenDetail } from './theil-sen.js';

export interface Figures {
  perOp: number | null;
  ci: [number, number] | null;
  perHour: number | null;
  minDetectablePerOp: number | null;
}

export function figuresOf(fit: TheilSenDetail | null, opsPerSecond: number): Figures {
  if (fit === null) return { perOp: null, ci: null, perHour: null, minDetectablePerOp: null };
  const perHour = Number.isFinite(opsPerSecond) && opsPerSecond > 0 ? fit.slope * opsPerSecond * 3600 : null;
  return { perOp: fit.slope, ci: [fit.ci[0], fit.ci[1]], perHour, minDetectablePerOp: fit.halfWidth };
}

export interface VerdictParts {
  verdict: Verdict;
  reasonCode: ReasonCode;
  reason: string;
  figures: Figures;
  cyclesUsed: number;
  cyclesNeeded?: number | null;
  persistence?: MetricVerdict['persistence'];
  recovery?: MetricVerdict['recovery'];
  step?: MetricVerdict['step'];
}

export function buildVerdict(series: MetricSeries, options: JudgeOptions, parts: VerdictParts): MetricVerdict {
  return {
    metric: series.metric,
    kind: series.kind,
    unit: series.unit,
    verdict: parts.verdict,
    reasonCode: parts.reasonCode,
    reason: parts.reason,
    perOp: parts.figures.perOp,
    ci: parts.figures.ci,
    perHour: parts.figures.perHour,
    minDetectablePerOp: parts.figures.minDetectablePerOp,
    thresholdPerOp: options.thresholdPerOp,
    cyclesUsed: parts.cyclesUsed,
    cyclesDropped: series.cycles.length - parts.cyclesUsed,
    cyclesNeeded: parts.cyclesNeeded ?? null,
    persistence: parts.persistence ?? null,
    recovery: parts.recovery ?? null,
    step: parts.step ?? null,
  };
}

/**
 * The two verdicts every metric kind gives before looking at a slope: INCONCLUSIVE `data` when the
 * series cannot be judged, INCONCLUSIVE `underpowered` when too few cycles are left (`judged` says what
 * was measured and dropped, in the metric kind's words). Null: the series can be judged.
 */
export function verdictBeforeSlope(
  series: MetricSeries,
  options: JudgeOptions,
  prep: PreparedSeries,
  fit: TheilSenDetail | null,
  figures: Figures,
  judged: string,
): MetricVerdict | null {
  const name = series.metric;
  const used = prep.points.length;
  if (prep.dataProblem !== null) {
    return buildVerdict(series, options, {
      verdict: 'inconclusive',
      reasonCode: 'data',
      reason: `${name} cannot be judged: ${prep.dataProblem}. Rerun; if it repeats, check the probe and the target.`,
      figures,
      cyclesUsed: used,
    });
  }
  if (!prep.tooShort && fit !== null) return null;
  const notJudged = prep.measuredCycles - used;
  return buildVerdict(series, options, {
    verdict: 'inconclusive',
    reasonCode: 'underpowered',
    reason:
      `${name}: only ${used} cycle${used === 1 ? '' : 's'} could be judged (${judged}); at ` +
      `least ${MIN_JUDGED_CYCLES} are needed. Run at least ${MIN_JUDGED_CYCLES + notJudged} ` +
      `measured cycles.`,
    figures,
    cyclesUsed: used,
    cyclesNeeded: MIN_JUDGED_CYCLES + notJudged,
  });
}
