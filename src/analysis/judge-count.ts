// The verdict for counts (fds, threads): nearly noise-free integers, judged by their level.

import type {
  JudgeOptions,
  MetricSeries,
  MetricVerdict,
  PersistenceCheck,
  RecoveryCheck,
  StepInfo,
} from '../core/verdict-types.js';
import { formatAmount, formatConfidence, formatNumber, formatPerHour, formatPerOp } from '../core/format.js';
import { fitHalves } from './persistence.js';
import { MAX_CYCLES_NEEDED } from './power.js';
import { MIN_JUDGED_CYCLES, prepareSeries, type JudgedPoint } from './prepare.js';
import { detectStep } from './step.js';
import { theilSenDetailed, type TheilSenDetail } from './theil-sen.js';
import { buildVerdict, figuresOf, verdictBeforeSlope } from './verdict-builder.js';

/**
 * How far a count may sit above its post-warm-up level and still count as back: ±1, one
 * connection (its socket, or its thread) still closing when the floor was taken.
 */
export const COUNT_TOLERANCE = 1;

/**
 * Noise floor of a count, in units, for the step check: integers that read one higher in 15–30 %
 * of floors (a connection still closing) scatter with a standard deviation of 0.36–0.46 units,
 * even when the differences' median absolute deviation is 0. With 0.4, a clean jump of two
 * units is still 5σ (STEP_MIN_JUMP_SIGMAS), and a side that caught a few late closes is flat.
 */
export const COUNT_NOISE_FLOOR = 0.4;

/**
 * Smallest rise, in units, that makes a leak by itself: three — beyond the tolerance by two, so
 * neither one late close nor one stray extra reading can produce it; three descriptors that are
 * never closed across a dozen cycles are a leak whatever the per-operation rate.
 */
export const COUNT_MIN_RISE = 3;

/**
 * A count's level at either end of the run is the lowest of this many floors. A connection still
 * closing only ever adds to a count, so the lowest of three is the settled level unless all three
 * floors caught one (at a 15 % chance per floor, once in 300 runs), while a real rise shows in all
 * three.
 */
export const COUNT_LEVEL_CYCLES = 3;

export function judgeCount(series: MetricSeries, options: JudgeOptions): MetricVerdict {
  const thr = options.thresholdPerOp;
  const unit = series.unit;
  const name = series.metric;
  const prep = prepareSeries(series, options, () => COUNT_TOLERANCE);
  const pts = prep.points;
  const fitOptions = { serialCorrection: options.serialCorrection ?? 'plain' } as const;
  const full = theilSenDetailed(
    pts.map((p) => p.x),
    pts.map((p) => p.y),
    options.alpha,
    fitOptions,
  );
  const figures = figuresOf(full, options.opsPerSecond);

  const early = verdictBeforeSlope(series, options, prep, full, figures, `of ${prep.measuredCycles} measured`);
  if (early !== null) return early;
  if (full === null) throw new Error('verdictBeforeSlope answers every series without a fit');

  const tol = COUNT_TOLERANCE;
  const level = (p: readonly JudgedPoint[]): { start: number; end: number } => ({
    start: lowest(p.slice(0, COUNT_LEVEL_CYCLES)),
    end: lowest(p.slice(-COUNT_LEVEL_CYCLES)),
  });
  const recoveryFloor = series.recoveryFloor;

  // Back to the level (within the tolerance) at the end of the run and after recovery: PASS.
  const whole = level(pts);
  if (whole.end - whole.start <= tol) {
    const recovery = countRecovery(whole.start, whole.end, recoveryFloor);
    const persistence = countPersistence(pts, full, options.alpha, recoveryFloor);
    if (recoveryFloor !== null && recoveryFloor > whole.start + tol) {
      return buildVerdict(series, options, {
        verdict: 'inconclusive',
        reasonCode: 'step',
        reason:
          `${name} stayed at ${formatAmount(whole.start, unit)} (±${tol}) through the run ` +
          `but was ${formatAmount(recoveryFloor, unit)} after recovery: a jump after the ` +
          `load stopped. Rerun to see whether it repeats.`,
        figures,
        cyclesUsed: pts.length,
        persistence,
        recovery,
      });
    }
    if (full.ci[1] < thr) {
      return buildVerdict(series, options, {
        verdict: 'pass',
        reasonCode: 'flat',
        reason:
          `${name} ended where the warm-up left it: ${formatAmount(whole.start, unit)} at ` +
          `the start, ${formatAmount(whole.end, unit)} at the end of ${pts.length} ` +
          `cycles${recoveryFloor === null ? '' : `, ${formatAmount(recoveryFloor, unit)} after recovery`} ` +
          `(±${tol} allowed).`,
        figures,
        cyclesUsed: pts.length,
        persistence,
        recovery,
      });
    }
  }

  // A one-off jump, flat before and after: judge what follows it, or say it was a step.
  let judged: readonly JudgedPoint[] = pts;
  let fit: TheilSenDetail = full;
  let step: StepInfo | null = null;
  const candidate = detectStep(
    pts.map((p) => p.x),
    pts.map((p) => p.y),
    { minJump: tol + 1, minSigma: COUNT_NOISE_FLOOR },
  );
  if (candidate !== null) {
    const first = pts[candidate.at] as JudgedPoint;
    step = { atCycle: first.index, size: candidate.size };
    const post = pts.slice(candidate.at);
    const postFit =
      post.length >= MIN_JUDGED_CYCLES
        ? theilSenDetailed(
            post.map((p) => p.x),
            post.map((p) => p.y),
            options.alpha,
            fitOptions,
          )
        : null;
    const postLevel = level(post);
    const postPersistence = postFit === null ? null : countPersistence(post, postFit, options.alpha, recoveryFloor);
    if (postFit !== null && postLevel.end - postLevel.start >= COUNT_MIN_RISE && postPersistence?.persists) {
      judged = post;
      fit = postFit;
    } else {
      return buildVerdict(series, options, {
        verdict: 'inconclusive',
        reasonCode: 'step',
        reason:
          `${name} jumped once by ${formatAmount(candidate.size, unit)} at cycle ` +
          `${first.index} and stayed level before and after: a one-off (a pool or file ` +
          `opened once), not a count rising cycle after cycle. Rerun with more cycles to see ` +
          `whether it repeats.`,
        figures: figuresOf(postFit ?? full, options.opsPerSecond),
        cyclesUsed: postFit === null ? pts.length : post.length,
        step,
        persistence: postPersistence,
        recovery: countRecovery(whole.start, whole.end, recoveryFloor),
      });
    }
  }

  const lv = level(judged);
  const rise = lv.end - lv.start;
  const persistence = countPersistence(judged, fit, options.alpha, recoveryFloor);
  const recovery = countRecovery(lv.start, lv.end, recoveryFloor);
  const fitFigures = figuresOf(fit, options.opsPerSecond);
  const common = { figures: fitFigures, cyclesUsed: judged.length, persistence, recovery, step };
  // A one-off jump was handled above as a step, so a rise of COUNT_MIN_RISE with a positive slope
  // is a climb across cycles. (Not the interval's lower bound: a staircase's residuals are
  // serially correlated by construction, and the widened interval of a clean climb reaches 0.)
  const steadyRise = rise >= COUNT_MIN_RISE && fit.slope > 0;
  const slopeRoute = fit.ci[0] > thr;
  const jump =
    step === null ? '' : ` after a one-off jump of ${formatAmount(step.size, unit)} at cycle ${step.atCycle}`;
  const from = `from ${formatNumber(lv.start)} to ${formatAmount(lv.end, unit)} over ${judged.length} cycles${jump}`;
  const rate =
    `${formatPerOp(fit.slope, unit)}, ${formatConfidence(options.alpha)} interval ` +
    `${formatPerOp(fit.ci[0], unit)} to ${formatPerOp(fit.ci[1], unit)}`;

  if (steadyRise || slopeRoute) {
    if (recovery.returned) {
      return buildVerdict(series, options, {
        ...common,
        verdict: 'inconclusive',
        reasonCode: 'transient',
        reason:
          `${name} rose ${from} under load but came back to ` +
          `${formatAmount(recoveryFloor ?? Number.NaN, unit)} in recovery: held while the ` +
          `load ran, not leaked.`,
      });
    }
    if (recoveryFloor !== null && recoveryFloor - lv.start < COUNT_MIN_RISE) {
      return buildVerdict(series, options, {
        ...common,
        verdict: 'inconclusive',
        reasonCode: 'transient',
        reason:
          `${name} rose ${from} under load but was ${formatAmount(recoveryFloor, unit)} ` +
          `after recovery, fewer than ${COUNT_MIN_RISE} above its level: most of it was ` +
          `given back. A longer recovery would show whether the rest goes too.`,
      });
    }
    if (!persistence.persists) {
      return buildVerdict(series, options, {
        ...common,
        verdict: 'inconclusive',
        reasonCode: 'saturating',
        reason:
          `${name} rose ${from} but stopped rising in the second half: a pool growing to its ` +
          `size, not a leak. A longer warm-up would judge only the level part.`,
      });
    }
    const perHour =
      fitFigures.perHour === null
        ? ''
        : `, about ${formatPerHour(fitFigures.perHour, unit)} at ${formatNumber(options.opsPerSecond)} ops/s`;
    const after =
      recoveryFloor === null
        ? 'no recovery floor to check'
        : `${formatAmount(recoveryFloor, unit)} after recovery, not back to ${formatAmount(lv.start, unit)} ±${tol}`;
    return buildVerdict(series, options, {
      ...common,
      verdict: 'leak',
      reasonCode: 'growth',
      reason: `${name} rose ${from} (${rate}${perHour}), still rising in the second half; ${after}.`,
    });
  }

  if (recovery.returned && rise > tol) {
    return buildVerdict(series, options, {
      ...common,
      verdict: 'inconclusive',
      reasonCode: 'transient',
      reason:
        `${name} rose ${from} but came back to ` +
        `${formatAmount(recoveryFloor ?? Number.NaN, unit)} in recovery: held under load, ` +
        `not leaked.`,
    });
  }
  // A rise too small or too uneven to call: how long until a steady rise would show COUNT_MIN_RISE.
  const perCycle = fit.slope * prep.opsPerCycle;
  let needed = 2 * prep.measuredCycles;
  let capped = false;
  if (perCycle > 0) {
    const cycles = Math.ceil(COUNT_MIN_RISE / perCycle) + COUNT_LEVEL_CYCLES;
    needed = Math.max(prep.measuredCycles + 1, cycles + (prep.measuredCycles - judged.length));
  }
  if (needed > MAX_CYCLES_NEEDED) {
    needed = MAX_CYCLES_NEEDED;
    capped = true;
  }
  return buildVerdict(series, options, {
    ...common,
    verdict: 'inconclusive',
    reasonCode: 'underpowered',
    reason:
      `${name} went ${from} (${rate}): more than the ±${tol} tolerance but not a steady rise ` +
      `of ${COUNT_MIN_RISE} or more. ${capped ? 'More than' : 'About'} ${needed} measured ` +
      `cycles would show whether it keeps rising.`,
    cyclesNeeded: needed,
  });
}

/**
 * Counts persist when the level rose again in the second half: its level at the end is at least
 * one unit above its level at the start (the lowest of up to COUNT_LEVEL_CYCLES floors at each
 * end of the second half, fewer in a short run so the two never share a floor). The level at
 * the end also takes the recovery floor into account: with
 * every client gone, nothing is still closing, so a count that is no higher there than in the
 * middle of the run did not keep rising. Theil–Sen half slopes of a staircase that climbs one
 * unit every few cycles are mostly zeros, so they are reported but not used.
 */
function countPersistence(
  pts: readonly JudgedPoint[],
  fit: TheilSenDetail,
  alpha: number,
  recoveryFloor: number | null,
): PersistenceCheck {
  const halves = fitHalves(
    pts.map((p) => p.x),
    pts.map((p) => p.y),
    alpha,
  );
  const secondHalf = pts.slice(Math.floor(pts.length / 2));
  const w = Math.max(1, Math.min(COUNT_LEVEL_CYCLES, Math.floor(secondHalf.length / 2)));
  const midLevel = lowest(secondHalf.slice(0, w));
  const endLevel = Math.min(lowest(secondHalf.slice(-w)), recoveryFloor ?? Number.POSITIVE_INFINITY);
  return {
    firstHalfPerOp: halves.first?.slope ?? null,
    secondHalfPerOp: halves.second?.slope ?? null,
    persists: fit.slope > 0 && endLevel - midLevel >= 1,
  };
}

function lowest(pts: readonly JudgedPoint[]): number {
  return pts.reduce((m, p) => Math.min(m, p.y), Number.POSITIVE_INFINITY);
}

function countRecovery(start: number, end: number, recoveryFloor: number | null): RecoveryCheck {
  const growth = end - start;
  const retainedShare = recoveryFloor !== null && growth > 0 ? (recoveryFloor - start) / growth : null;
  return {
    postWarmupFloor: start,
    lastFloor: end,
    recoveryFloor,
    retainedShare,
    returned: recoveryFloor !== null && recoveryFloor <= start + COUNT_TOLERANCE,
  };
}
