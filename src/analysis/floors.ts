// The floor of one cycle: a robust low value of the samples at the end of its settle window.

import { quantileSorted, sortedFinite } from './quantile.js';

/**
 * Quantile taken as the floor when the settle window has many samples. Memory in a settled
 * broker sits on its post-GC floor with upward excursions (allocation bursts, garbage between
 * collections), so the value we want is near the bottom; the 10 % point stays there while
 * ignoring the lowest tenth, where misreads live.
 */
export const LOW_FLOOR_QUANTILE = 0.1;

/**
 * Stray low readings the floor always ignores, however few samples there are: with 3 or more
 * samples the floor is at least the second lowest, so one reading taken mid-exec or mid-swap
 * (a single low outlier) can never become the floor. With 1 or 2 samples nothing can be told
 * apart and the lowest is used.
 */
export const LOW_FLOOR_IGNORED_STRAYS = 1;

/**
 * Robust low value of a settle window's samples; null when there is no finite sample.
 * Interpolated quantile at max(LOW_FLOOR_QUANTILE, LOW_FLOOR_IGNORED_STRAYS / (n − 1)).
 */
export function lowFloor(values: number[]): number | null {
  const sorted = sortedFinite(values);
  const n = sorted.length;
  if (n === 0) return null;
  if (n <= LOW_FLOOR_IGNORED_STRAYS + 1) return sorted[0] as number;
  const p = Math.max(LOW_FLOOR_QUANTILE, LOW_FLOOR_IGNORED_STRAYS / (n - 1));
  return quantileSorted(sorted, p);
}
