// Serial correlation of fit residuals, and what it does to the information in a series.

/**
 * Largest lag-1 autocorrelation used when widening an interval. At 0.8 the variance is
 * inflated 9× (the interval 3× wider, n_eff = n/9): beyond that the estimate from a dozen
 * residuals is mostly the misfit of the model talking, and the interval would stop saying
 * anything; the verdict's other checks (persistence, recovery, step) take over there.
 */
export const MAX_RESIDUAL_AUTOCORRELATION = 0.8;

/**
 * Lag-1 autocorrelation of a series in its given order:
 * Σ (eᵢ − ē)(eᵢ₊₁ − ē) / Σ (eᵢ − ē)². 0 for fewer than 3 values or a constant series.
 */
export function lag1Autocorrelation(values: readonly number[]): number {
  const n = values.length;
  if (n < 3) return 0;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    den += d * d;
    if (i + 1 < n) num += d * ((values[i + 1] as number) - mean);
  }
  if (!(den > 0)) return 0;
  return Math.max(-1, Math.min(1, num / den));
}

/**
 * Effective sample size of an AR(1)-like series: n(1 − r)/(1 + r). Only positive correlation
 * reduces it (negative r is treated as 0: we never narrow an interval on that evidence), and r
 * is capped at MAX_RESIDUAL_AUTOCORRELATION.
 */
export function effectiveSampleSize(n: number, r: number): number {
  const rr = Math.min(MAX_RESIDUAL_AUTOCORRELATION, Math.max(0, r));
  return (n * (1 - rr)) / (1 + rr);
}
