// How many cycles would settle an interval that straddles the threshold.

/**
 * The most cycles ever suggested. Past a thousand measured cycles (two million operations at the
 * default 2,000 per cycle) the slope sits so close to δ that more cycles barely help: say "more
 * than" and suggest a soak run or a different δ instead.
 */
export const MAX_CYCLES_NEEDED = 1000;

/**
 * Exponent of how an interval's half-width shrinks with the number of evenly spaced cycles n:
 * the slope's standard error is σ / sqrt(Σ(x − x̄)²) and Σ(x − x̄)² grows like n³ when x is
 * cumulative operations at a steady rate, so the half-width goes like n^-1.5.
 */
export const HALF_WIDTH_EXPONENT = -1.5;

/**
 * Judged cycles after which an interval of half-width `halfWidth` (from `n` cycles) centred on
 * `estimate` would no longer contain `threshold`, if the estimate stays where it is.
 * Returns { cycles, capped }.
 */
export function cyclesToSettle(
  n: number,
  halfWidth: number,
  estimate: number,
  threshold: number,
): { cycles: number; capped: boolean } {
  const gap = Math.abs(estimate - threshold);
  if (!(halfWidth > 0)) return { cycles: n, capped: false };
  if (!(gap > 0)) return { cycles: MAX_CYCLES_NEEDED, capped: true };
  if (gap >= halfWidth) return { cycles: n, capped: false };
  const needed = Math.ceil(n * (gap / halfWidth) ** (1 / HALF_WIDTH_EXPONENT));
  if (!Number.isFinite(needed) || needed > MAX_CYCLES_NEEDED) return { cycles: MAX_CYCLES_NEEDED, capped: true };
  return { cycles: Math.max(n + 1, needed), capped: false };
}
