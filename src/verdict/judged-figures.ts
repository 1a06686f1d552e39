import type { MetricKind, MetricVerdict } from '../core/verdict-types.js';
import type { MetricReport } from '../core/report-model.js';
import { MIB } from '../core/units.js';

const SECONDS_PER_HOUR = 3600;

/**
 * The report fields a verdict gives, the same for cycle and soak runs: the slope, its interval and the checks behind
 * it.
 */
export type JudgedFigures = Pick<
  MetricReport,
  | 'verdict'
  | 'reasonCode'
  | 'bytesPerOp'
  | 'ci'
  | 'mbPerHour'
  | 'perOp'
  | 'perHour'
  | 'minDetectablePerOp'
  | 'sensitivityPerOp'
  | 'thresholdPerOp'
  | 'cyclesUsed'
  | 'cyclesDropped'
  | 'cyclesNeeded'
  | 'persistence'
  | 'recovery'
  | 'step'
>;

/** The smallest slope whose interval (as wide below its estimate as this one) would clear δ: what LEAK needs. */
function sensitivity(judged: MetricVerdict, thresholdPerOp: number): number | null {
  if (judged.ci === null || judged.perOp === null) return null;
  return Math.max(0, thresholdPerOp) + Math.max(0, judged.perOp - judged.ci[0]);
}

/** A metric's verdict as report fields; MB per hour at the rate the run achieved, for memory metrics only. */
export function judgedFigures(
  judged: MetricVerdict,
  kind: MetricKind,
  thresholdPerOp: number,
  opsPerSecond: number | null,
): JudgedFigures {
  const bytes = kind === 'bytes';
  return {
    verdict: judged.verdict,
    reasonCode: judged.reasonCode,
    bytesPerOp: bytes ? judged.perOp : null,
    ci: judged.ci,
    mbPerHour:
      bytes && judged.perOp !== null && opsPerSecond !== null
        ? (judged.perOp * opsPerSecond * SECONDS_PER_HOUR) / MIB
        : null,
    perOp: judged.perOp,
    perHour: judged.perHour,
    minDetectablePerOp: judged.minDetectablePerOp,
    sensitivityPerOp: sensitivity(judged, thresholdPerOp),
    thresholdPerOp,
    cyclesUsed: judged.cyclesUsed,
    cyclesDropped: judged.cyclesDropped,
    cyclesNeeded: judged.cyclesNeeded,
    persistence: judged.persistence,
    recovery: judged.recovery,
    step: judged.step,
  };
}
