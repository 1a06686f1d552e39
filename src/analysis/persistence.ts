// Does the growth continue into the second half of the run, or level off?

import type { PersistenceCheck } from '../core/verdict-types.js';
import { twoSidedZ } from './normal.js';
import { diffNoiseSigma } from './quantile.js';
import { theilSenDetailed, type TheilSenDetail } from './theil-sen.js';

/**
 * Growth persists when the second half's slope is at least this share of the whole run's. A
 * half is the natural midpoint between "still growing at the same rate" (share 1) and "levelled
 * off" (share 0): a cache that filled in the first half falls below it, a steady leak's
 * second-half estimate rarely does (it is noisier than the full-run slope, not lower).
 */
export const PERSISTENCE_MIN_SHARE = 0.5;

/**
 * Growth has levelled off (saturating) when the second half's slope is below this share of the
 * first half's: the same midpoint between continuing and stopping, measured half against half.
 */
export const SATURATION_MAX_SHARE = 0.5;

export interface HalfFits {
  first: TheilSenDetail | null;
  second: TheilSenDetail | null;
  firstXs: number[];
  secondXs: number[];
  /** Noise sigma of the whole series from its first differences. */
  noiseSigma: number;
}

/** Theil–Sen fits of the first and second half of the points (the middle one in both when odd). */
export function fitHalves(xs: readonly number[], ys: readonly number[], alpha: number): HalfFits {
  const n = xs.length;
  const firstEnd = Math.ceil(n / 2);
  const secondStart = Math.floor(n / 2);
  const firstXs = xs.slice(0, firstEnd);
  const secondXs = xs.slice(secondStart);
  return {
    first: theilSenDetailed(firstXs, ys.slice(0, firstEnd), alpha),
    second: theilSenDetailed(secondXs, ys.slice(secondStart), alpha),
    firstXs,
    secondXs,
    noiseSigma: diffNoiseSigma(ys),
  };
}

/**
 * How clearly positive the second half's slope must be, in its standard errors: one-sided 95 %
 * (z = 1.645). Without it, at high noise the half slope (2.8× noisier than the full-run one)
 * passes the share test by chance about half the time, and a cache that filled early reads as
 * a leak; with it, a clean series gets past at most 5 % of the time on this check alone.
 */
export const PERSISTENCE_Z = 1.645;

/**
 * Growth persists when the second half's slope is above `threshold`, at least
 * PERSISTENCE_MIN_SHARE of the whole run's (not a fraction of the earlier rate), and clearly
 * positive: more than PERSISTENCE_Z standard errors above zero.
 */
export function checkPersistence(fullSlope: number, halves: HalfFits, threshold: number): PersistenceCheck {
  const firstHalfPerOp = halves.first?.slope ?? null;
  const secondHalfPerOp = halves.second?.slope ?? null;
  const persists =
    secondHalfPerOp !== null &&
    fullSlope > 0 &&
    secondHalfPerOp > Math.max(0, threshold) &&
    secondHalfPerOp >= PERSISTENCE_MIN_SHARE * fullSlope &&
    secondHalfPerOp > PERSISTENCE_Z * slopeSe(halves.secondXs, halves.noiseSigma);
  return { firstHalfPerOp, secondHalfPerOp, persists };
}

/** Least-squares standard error of a slope over `x` with noise sigma `sigma`: σ/√Σ(x − x̄)². */
export function slopeSe(x: readonly number[], sigma: number): number {
  if (x.length < 2) return Number.POSITIVE_INFINITY;
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const sxx = x.reduce((a, b) => a + (b - m) ** 2, 0);
  return sxx > 0 ? sigma / Math.sqrt(sxx) : Number.POSITIVE_INFINITY;
}

/**
 * Growth that levels off: the first half grows faster than `threshold` (significantly, at
 * `alpha`), the second half less than SATURATION_MAX_SHARE of that and not significantly above
 * `threshold`, and the fall in slope is significant at `alpha`. The tests use least-squares
 * standard errors of the half slopes from the series' difference-based noise σ: Sen's interval
 * of a half (four to six floors) is too coarse to test with.
 */
export function looksSaturating(halves: HalfFits, threshold: number, alpha: number): boolean {
  const { first, second } = halves;
  if (first === null || second === null) return false;
  const z = twoSidedZ(alpha);
  const se1 = slopeSe(halves.firstXs, halves.noiseSigma);
  const se2 = slopeSe(halves.secondXs, halves.noiseSigma);
  const firstGrows = first.slope - threshold > z * se1;
  const secondSlower = second.slope < SATURATION_MAX_SHARE * first.slope && !(second.slope - threshold > z * se2);
  return firstGrows && secondSlower && first.slope - second.slope > z * Math.hypot(se1, se2);
}
