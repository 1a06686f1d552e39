// The verdict for memory-like metrics: the slope of the floors per operation, and its shape.

import type { JudgeOptions, MetricSeries, MetricVerdict, StepInfo } from '../core/verdict-types.js';
import {
  formatAmount,
  formatConfidence,
  formatNumber,
  formatPerHour,
  formatPerOp,
  formatShare,
} from '../core/format.js';
import { checkPersistence, fitHalves, looksSaturating } from './persistence.js';
import { cyclesToSettle } from './power.js';
import { MIN_JUDGED_CYCLES, prepareSeries, type JudgedPoint, type PreparedSeries } from './prepare.js';
import { checkRecovery } from './recovery.js';
import { detectStep } from './step.js';
import { theilSenDetailed, type TheilSenDetail } from './theil-sen.js';
import { buildVerdict, figuresOf, verdictBeforeSlope } from './verdict-builder.js';

/**
 * A jump is only worth calling a step when it is at least this share of the growth a leak at the
 * threshold would make over the judged run (δ × operations judged). A smaller jump could not
 * push the slope over δ on its own (a jump J lifts the Theil–Sen slope by at most about
 * 1.2·J / span), so naming it would only turn a PASS-able run into INCONCLUSIVE.
 */
export const STEP_MIN_RELEVANCE = 0.5;

/**
 * When growth is significant but the second half does not confirm it and it does not look
 * like a cache levelling off, this many times the measured cycles would put the present run in
 * the first half of the next one, where the check can see whether it continues.
 */
export const UNCONFIRMED_GROWTH_CYCLES_FACTOR = 2;

export function judgeBytes(series: MetricSeries, options: JudgeOptions): MetricVerdict {
  const thr = options.thresholdPerOp;
  const unit = series.unit;
  const name = series.metric;
  // A wobble smaller than one cycle of threshold-sized growth does not matter.
  const prep = prepareSeries(series, options, (opsPerCycle) => Math.max(0, thr) * opsPerCycle);
  const pts = prep.points;
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const fitOptions = { serialCorrection: options.serialCorrection ?? 'plain' } as const;
  const full = theilSenDetailed(xs, ys, options.alpha, fitOptions);
  const figures = figuresOf(full, options.opsPerSecond);

  const early = verdictBeforeSlope(series, options, prep, full, figures, describeDropped(prep));
  if (early !== null) return early;
  if (full === null) throw new Error('verdictBeforeSlope answers every series without a fit');

  const conf = formatConfidence(options.alpha);
  const interval = (fit: TheilSenDetail): string =>
    `${conf} interval ${formatPerOp(fit.ci[0], unit)} to ${formatPerOp(fit.ci[1], unit)}`;

  // PASS needs nothing else: whatever the shape, growth above δ is ruled out.
  if (full.ci[1] < thr) {
    const halves = fitHalves(xs, ys, options.alpha);
    return buildVerdict(series, options, {
      verdict: 'pass',
      reasonCode: 'flat',
      reason:
        `${name} grows at most ${formatPerOp(full.ci[1], unit)} (${interval(full)}, estimate ` +
        `${formatPerOp(full.slope, unit)}), below the ${formatPerOp(thr, unit)} threshold ` +
        `over ${pts.length} cycles.`,
      figures,
      cyclesUsed: pts.length,
      persistence: checkPersistence(full.slope, halves, thr),
      recovery: recoveryOf(full, pts, series.recoveryFloor),
    });
  }

  // A one-off jump: judge what comes after it, or say it was a step.
  let judged: JudgedPoint[] = pts;
  let fit: TheilSenDetail = full;
  let step: StepInfo | null = null;
  const span = (xs[xs.length - 1] as number) - (xs[0] as number);
  const candidate = detectStep(xs, ys, { minJump: STEP_MIN_RELEVANCE * Math.max(0, thr) * span, minSigma: 0 });
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
    const postPersistence =
      postFit === null
        ? null
        : checkPersistence(
            postFit.slope,
            fitHalves(
              post.map((p) => p.x),
              post.map((p) => p.y),
              options.alpha,
            ),
            thr,
          );
    if (postFit !== null && postFit.ci[0] > thr && postPersistence?.persists) {
      judged = post;
      fit = postFit;
    } else {
      const after =
        postFit === null
          ? `only ${post.length} cycles after it, too few to tell whether growth continues`
          : `after it ${name} grows ${formatPerOp(postFit.slope, unit)} ` +
            `(${interval(postFit)}), not clearly above the ${formatPerOp(thr, unit)} ` +
            `threshold`;
      return buildVerdict(series, options, {
        verdict: 'inconclusive',
        reasonCode: 'step',
        reason:
          `${name} jumped once by ${formatAmount(candidate.size, unit)} at cycle ` +
          `${first.index} and was flat on both sides: a one-off allocation, not steady ` +
          `growth; ${after}. Rerun with more cycles to see whether it repeats.`,
        figures: figuresOf(postFit ?? full, options.opsPerSecond),
        cyclesUsed: postFit === null ? pts.length : post.length,
        step,
        persistence: postPersistence,
      });
    }
  }

  const jx = judged.map((p) => p.x);
  const jy = judged.map((p) => p.y);
  const halves = fitHalves(jx, jy, options.alpha);
  const persistence = checkPersistence(fit.slope, halves, thr);
  const saturating = looksSaturating(halves, thr, options.alpha);
  const recovery = recoveryOf(fit, judged, series.recoveryFloor);
  const fitFigures = figuresOf(fit, options.opsPerSecond);
  const common = { figures: fitFigures, cyclesUsed: judged.length, persistence, recovery, step };
  const halfText =
    `first half ${formatPerOp(persistence.firstHalfPerOp ?? Number.NaN, unit)}, second half ` +
    `${formatPerOp(persistence.secondHalfPerOp ?? Number.NaN, unit)}`;
  const afterStep =
    step === null ? '' : ` after a one-off jump of ${formatAmount(step.size, unit)} at cycle ${step.atCycle}`;
  const notJudgedMeasured = prep.measuredCycles - judged.length;

  if (fit.ci[0] > thr) {
    // Growth that slows significantly is levelling off even while the second half still grows.
    if (!persistence.persists || saturating) {
      if (saturating) {
        return buildVerdict(series, options, {
          ...common,
          verdict: 'inconclusive',
          reasonCode: 'saturating',
          reason:
            `${name} grew then levelled off (${halfText}): growth that stops, like a cache ` +
            `filling up, not a leak. A longer warm-up would judge only the level part.`,
        });
      }
      const needed = UNCONFIRMED_GROWTH_CYCLES_FACTOR * prep.measuredCycles;
      return buildVerdict(series, options, {
        ...common,
        verdict: 'inconclusive',
        reasonCode: 'underpowered',
        reason:
          `${name} grows ${formatPerOp(fit.slope, unit)}${afterStep} (${interval(fit)}), but ` +
          `the second half of the run does not confirm it (${halfText}). About ${needed} ` +
          `measured cycles would show whether it continues.`,
        cyclesNeeded: needed,
      });
    }
    const rate =
      fitFigures.perHour === null
        ? ''
        : `, about ${formatPerHour(fitFigures.perHour, unit)} at ${formatNumber(options.opsPerSecond)} ops/s`;
    if (recovery.returned) {
      return buildVerdict(series, options, {
        ...common,
        verdict: 'inconclusive',
        reasonCode: 'transient',
        reason:
          `${name} grew ${formatPerOp(fit.slope, unit)}${afterStep} under load ` +
          `(${interval(fit)}) but gave ${givenBack(recovery.retainedShare)} back in ` +
          `recovery: held while the load ran, not leaked. A longer recovery would show ` +
          `whether the rest goes too.`,
      });
    }
    const held =
      recovery.retainedShare === null
        ? 'no recovery floor to check whether it is given back'
        : `${formatShare(recovery.retainedShare)} of it still held after recovery`;
    return buildVerdict(series, options, {
      ...common,
      verdict: 'leak',
      reasonCode: 'growth',
      reason:
        `${name} grows ${formatPerOp(fit.slope, unit)}${afterStep} (${interval(fit)}, above ` +
        `the ${formatPerOp(thr, unit)} threshold)${rate}; still growing in the second half ` +
        `(${formatPerOp(persistence.secondHalfPerOp ?? Number.NaN, unit)}), ${held}.`,
    });
  }

  // The interval straddles δ.
  if (saturating) {
    return buildVerdict(series, options, {
      ...common,
      verdict: 'inconclusive',
      reasonCode: 'saturating',
      reason:
        `${name} grew in the first half then levelled off (${halfText}): growth that stops, ` +
        `like a cache filling up. A longer warm-up would judge only the level part.`,
    });
  }
  const towards = fit.slope >= thr ? fit.slope - fit.ci[0] : fit.ci[1] - fit.slope;
  const settle = cyclesToSettle(judged.length, towards, fit.slope, thr);
  const total = settle.cycles + notJudgedMeasured;
  const more = settle.capped ? `More than ${total}` : `About ${total}`;
  return buildVerdict(series, options, {
    ...common,
    verdict: 'inconclusive',
    reasonCode: 'underpowered',
    reason:
      `${name} grows ${formatPerOp(fit.slope, unit)}${afterStep} but the ${interval(fit)} ` +
      `straddles the ${formatPerOp(thr, unit)} threshold: too few cycles for this much noise ` +
      `(it can resolve ${formatPerOp(fit.halfWidth, unit)}). ${more} measured cycles (now ` +
      `${prep.measuredCycles}) would likely settle it if the slope stays near ` +
      `${formatPerOp(fit.slope, unit)}.`,
    cyclesNeeded: total,
  });
}

function recoveryOf(
  fit: TheilSenDetail,
  pts: readonly JudgedPoint[],
  recoveryFloor: number | null,
): ReturnType<typeof checkRecovery> {
  const x0 = (pts[0] as JudgedPoint).x;
  const x1 = (pts[pts.length - 1] as JudgedPoint).x;
  return checkRecovery(fit.intercept + fit.slope * x0, fit.intercept + fit.slope * x1, recoveryFloor);
}

function givenBack(retainedShare: number | null): string {
  const back = 1 - (retainedShare ?? 0);
  return back >= 1 ? 'all of it' : `${formatShare(back)} of it`;
}

function describeDropped(prep: PreparedSeries): string {
  const parts: string[] = [`${prep.measuredCycles} measured`];
  const warm = prep.minRuleDropped + prep.decayDropped;
  if (warm > 0) parts.push(`${warm} more dropped as warm-up`);
  if (prep.nullFloors > 0) parts.push(`${prep.nullFloors} without a floor`);
  return parts.join(', ');
}
