// Inverse of the standard normal CDF, implemented here so the analysis needs no dependency.
// Peter J. Acklam's rational approximation: relative error below 1.15e-9 over (0, 1),
// far finer than anything the verdict can resolve.

const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
] as const;
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1, 1,
] as const;
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416, 1] as const;

/** Where Acklam's approximation switches from the central rational function to the tail one. */
const P_LOW = 0.02425;

/** Horner evaluation, coefficients from the highest power down. */
function poly(coefficients: readonly number[], x: number): number {
  let acc = 0;
  for (const k of coefficients) acc = acc * x + k;
  return acc;
}

/**
 * Φ⁻¹(p): the z with P(Z ≤ z) = p for a standard normal Z.
 * -Infinity for p ≤ 0, +Infinity for p ≥ 1, NaN for NaN.
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p)) return Number.NaN;
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(C, q) / poly(D, q);
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(C, q) / poly(D, q);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(A, r) * q) / poly(B, r);
}

/** z of a two-sided interval with error `alpha`: Φ⁻¹(1 − α/2), e.g. 1.96 for α = 0.05. */
export function twoSidedZ(alpha: number): number {
  return normalQuantile(1 - alpha / 2);
}
