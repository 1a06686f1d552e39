// Warm-up the runner did not flag: early measured floors still approaching their level.

import { robustSigma } from './quantile.js';
import { theilSenLine } from './theil-sen.js';

/** Warm-up cycles dropped at the least when the caller does not say (DESIGN.md: "at least 2"). */
export const DEFAULT_MIN_WARMUP_CYCLES = 2;

/**
 * Largest share of the measured cycles that may be dropped as unflagged warm-up on top of the
 * minimum. A fifth keeps at least 4/5 of the run judged (12 measured cycles lose at most 2), so a
 * slow warm-up cannot eat the evidence; a warm-up longer than that is reported, not hidden.
 */
export const MAX_WARMUP_SHARE = 0.2;

/**
 * How far, in robust sigmas of the later floors' residuals, an early floor must sit off the
 * line the later floors follow to count as still warming up. 3.5σ: a Gaussian floor lands
 * there by chance about once in 2,000, so a leak's early floors are almost never dropped, while
 * an exponential approach a few cycles from its level is.
 */
export const WARMUP_OUTLIER_SIGMAS = 3.5;

/**
 * When the early off-trend floors run past the cap, they are a warm-up only if their offset
 * shrinks to below this share of the first one's (a decaying approach halves its offset every
 * 0.7 time constants); an offset that stays is a level shift: a step, not a warm-up.
 */
export const WARMUP_MIN_SHRINK = 0.5;

export interface WarmupDecay {
  /** How many leading points were dropped as still warming up. */
  dropped: number;
}

/**
 * Leading points (in x order) that still show a decaying warm-up. The reference is the
 * Theil–Sen line of the points after the first `maxDrop` (the later floors, past any warm-up
 * this may drop); leading points are dropped while they sit more than WARMUP_OUTLIER_SIGMAS
 * robust sigmas off it. An approach to a level — from below like a pool filling, or from above
 * like start-up garbage being freed — leaves its early points off the later trend; a steady leak
 * does not. At most `maxDrop` (see WARMUP_MIN_SHRINK for longer runs), never leaving fewer than
 * `minKeep` points. `minScale` floors
 * the noise scale (noiseless data would otherwise make any wobble an outlier): the size of a
 * deviation that does not matter.
 */
export function detectWarmupDecay(
  xs: readonly number[],
  ys: readonly number[],
  maxDrop: number,
  minKeep: number,
  minScale: number,
): WarmupDecay {
  const limit = Math.min(Math.max(0, Math.floor(maxDrop)), xs.length - minKeep);
  if (limit <= 0) return { dropped: 0 };
  const refX = xs.slice(limit);
  const refY = ys.slice(limit);
  const line = theilSenLine(refX, refY);
  if (line === null) return { dropped: 0 };
  const residuals = refX.map((x, i) => (refY[i] as number) - (line.intercept + line.slope * x));
  const sigma = Math.max(robustSigma(residuals), minScale);
  const residual = (i: number): number => (ys[i] as number) - (line.intercept + line.slope * (xs[i] as number));
  // Leading run of off-trend points, not bounded by the cap.
  let run = 0;
  while (run < xs.length - minKeep && Math.abs(residual(run)) > WARMUP_OUTLIER_SIGMAS * sigma) run++;
  if (run <= limit) return { dropped: run };
  // Longer than the cap: a warm-up still approaching its level gets the cap; an offset that
  // does not shrink is a level shift (a step), left whole for the step check to see.
  const shrinks = Math.abs(residual(run - 1)) < WARMUP_MIN_SHRINK * Math.abs(residual(0));
  return { dropped: shrinks ? limit : 0 };
}
