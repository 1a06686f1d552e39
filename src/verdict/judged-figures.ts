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
  | 'thresholdPerOp'
  | 'cyclesUsed'
  | 'cyclesDropped'
  | 'cyclesNeeded'
  | 'persistence'
  | 'recovery'
  | 'step'
>;

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
    thresholdPerOp,
    cyclesUsed: judged.cyclesUsed,
    cyclesDropped: judged.cyclesDropped,
    cyclesNeeded: judged.cyclesNeeded,
    persistence: judged.persistence,
    recovery: judged.recovery,
    step: judged.step,
  };
}
