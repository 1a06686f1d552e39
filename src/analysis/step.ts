// One-off jumps: a level change at one cycle with flat floors on both sides.

import { MAD_TO_SIGMA, median } from './quantile.js';
import { theilSenLine } from './theil-sen.js';

/** Fewest floors on each side of a step: three make a median that one stray floor cannot move. */
export const STEP_MIN_SIDE_CYCLES = 3;

/**
 * A step must be this many noise sigmas (the robust spread of the floors about their side's
 * median). On flat Gaussian floors the best split's jump reaches 5σ in about 1 % of 12-floor
 * runs and 0.1 % of 24-floor runs (seeded simulation), and the other checks (neighbouring
 * floors, flat sides, minJump) cut that further; a chance "step" only ever makes INCONCLUSIVE.
 */
export const STEP_MIN_JUMP_SIGMAS = 5;

/**
 * A side counts as flat when its drift over its own span is at most this share of the jump: at a
 * quarter, the jump explains at least 4/5 of the change across the step. (Or see STEP_SIDE_FLAT_Z.)
 */
export const STEP_MAX_SIDE_DRIFT_SHARE = 0.25;

/**
 * A side also counts as flat when its drift is within this many standard errors of zero. 2.5 SE
 * (≈ 99 % two-sided) keeps short noisy sides from hiding a step, and does not make a steady leak
 * look like a step: a leak big enough to pass the STEP_MIN_JUMP_SIGMAS test has side drifts well
 * beyond 2.5 SE.
 */
export const STEP_SIDE_FLAT_Z = 2.5;

/**
 * A step happens between two neighbouring floors: their difference must be at least this share
 * of the jump between the sides. A steady climb spreads the same change over many cycles (its
 * neighbours differ by 1/(n/2) of it); a real jump of 5σ or more keeps at least 60 % of itself
 * between neighbours unless the noise of two floors takes 2σ off it (about 8 % of the time at
 * 5σ, 1 % at 8σ).
 */
export const STEP_MIN_ADJACENT_SHARE = 0.6;

export interface StepCandidate {
  /** Position (in the given arrays) of the first point after the jump. */
  at: number;
  /** Jump: median of the right side minus median of the left side. */
  size: number;
  /** Noise sigma the jump was compared with. */
  sigma: number;
  leftSlope: number;
  rightSlope: number;
}

export interface StepOptions {
  /** Smallest jump worth calling a step (in the metric's unit). */
  minJump: number;
  /** Floor of the noise sigma, for noiseless data. */
  minSigma: number;
}

/**
 * The best single upward change point (largest between-sides sum of squares), accepted as a
 * step when the jump is large against the noise and against `minJump`, happens between two
 * neighbouring floors, and both sides are flat. Only upward steps: a downward one cannot make a
 * false LEAK.
 */
export function detectStep(xs: readonly number[], ys: readonly number[], options: StepOptions): StepCandidate | null {
  const n = ys.length;
  if (n < 2 * STEP_MIN_SIDE_CYCLES || xs.length !== n) return null;

  // Best split by between-groups sum of squares (prefix sums): nL·nR/n · (meanR − meanL)².
  const prefix: number[] = [0];
  for (const y of ys) prefix.push((prefix[prefix.length - 1] as number) + y);
  const total = prefix[n] as number;
  let bestK = -1;
  let bestScore = 0;
  for (let k = STEP_MIN_SIDE_CYCLES; k <= n - STEP_MIN_SIDE_CYCLES; k++) {
    const meanL = (prefix[k] as number) / k;
    const meanR = (total - (prefix[k] as number)) / (n - k);
    if (!(meanR > meanL)) continue;
    const score = ((k * (n - k)) / n) * (meanR - meanL) ** 2;
    if (score > bestScore) {
      bestScore = score;
      bestK = k;
    }
  }
  if (bestK < 0) return null;

  const leftX = xs.slice(0, bestK);
  const leftY = ys.slice(0, bestK);
  const rightX = xs.slice(bestK);
  const rightY = ys.slice(bestK);
  const size = median(rightY) - median(leftY);
  if (!(size > 0)) return null;

  // Noise under the step model (flat sides): robust spread of each floor about its side's median.
  const medL = median(leftY);
  const medR = median(rightY);
  const deviations = [...leftY.map((y) => Math.abs(y - medL)), ...rightY.map((y) => Math.abs(y - medR))];
  const sigmaFlat = MAD_TO_SIGMA * median(deviations);
  const sigma = Math.max(Number.isFinite(sigmaFlat) ? sigmaFlat : 0, options.minSigma);
  if (size < STEP_MIN_JUMP_SIGMAS * sigma || size < options.minJump) return null;
  const adjacent = (ys[bestK] as number) - (ys[bestK - 1] as number);
  if (adjacent < STEP_MIN_ADJACENT_SHARE * size) return null;

  const left = theilSenLine(leftX, leftY);
  const right = theilSenLine(rightX, rightY);
  if (left === null || right === null) return null;
  if (!sideIsFlat(leftX, left.slope, size, sigma) || !sideIsFlat(rightX, right.slope, size, sigma)) return null;
  return { at: bestK, size, sigma, leftSlope: left.slope, rightSlope: right.slope };
}

function sideIsFlat(x: readonly number[], slope: number, jump: number, sigma: number): boolean {
  const span = (x[x.length - 1] as number) - (x[0] as number);
  const drift = Math.abs(slope * span);
  if (drift <= STEP_MAX_SIDE_DRIFT_SHARE * jump) return true;
  // Standard error of the drift (least-squares form with the pooled noise sigma).
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const sxx = x.reduce((a, b) => a + (b - mean) ** 2, 0);
  if (!(sxx > 0)) return true;
  const driftSe = (sigma * span) / Math.sqrt(sxx);
  return drift <= STEP_SIDE_FLAT_Z * driftSe;
}
