// Order statistics on plain number arrays. Pure helpers, no I/O.

/** Ascending copy without non-finite values (NaN, ±Infinity never enter a statistic). */
export function sortedFinite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/**
 * Quantile of an ascending array by linear interpolation between order statistics
 * (Hyndman & Fan type 7, the default of R and NumPy). `p` is clamped to [0, 1].
 * Returns NaN for an empty array.
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const clamped = Math.min(1, Math.max(0, p));
  const pos = clamped * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return frac === 0 ? a : a + (b - a) * frac;
}

/** Quantile of unsorted values (non-finite ones ignored); NaN when nothing is left. */
export function quantile(values: readonly number[], p: number): number {
  return quantileSorted(sortedFinite(values), p);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Scale factor turning a median absolute deviation into a standard deviation for Gaussian
 * data: 1 / Φ⁻¹(0.75). Lets robust scales be compared with "sigmas".
 */
export const MAD_TO_SIGMA = 1.482602218505602;

/** Robust standard deviation: MAD × 1.4826 around the median; NaN when empty. */
export function robustSigma(values: readonly number[]): number {
  const m = median(values);
  if (Number.isNaN(m)) return Number.NaN;
  return MAD_TO_SIGMA * median(values.filter((v) => Number.isFinite(v)).map((v) => Math.abs(v - m)));
}

/**
 * Noise sigma of a series from its first differences: robust sigma of the differences / √2.
 * A slow trend only shifts the differences' median, so it is not mistaken for noise.
 */
export function diffNoiseSigma(values: readonly number[]): number {
  const d: number[] = [];
  for (let i = 1; i < values.length; i++) d.push((values[i] as number) - (values[i - 1] as number));
  const s = robustSigma(d) / Math.SQRT2;
  return Number.isFinite(s) ? s : 0;
}
