// Quantiles of Student's t distribution, for intervals whose noise is estimated from few points.
// Implemented here (regularized incomplete beta by Lentz's continued fraction, then bisection) so the
// analysis needs no dependency; accurate to ~1e-10, far finer than anything the verdict resolves.

/** Iterations of the continued fraction: it converges in well under 100 for the arguments used here. */
const BETA_CF_MAX_ITERATIONS = 300;
/** Relative change at which the continued fraction is taken as converged. */
const BETA_CF_EPSILON = 1e-14;
/** Guards the continued fraction against division by zero (Numerical Recipes' FPMIN). */
const BETA_CF_TINY = 1e-300;
/** Bisection steps on t: 200 halvings of [0, 1e6] reach machine precision. */
const BISECTION_STEPS = 200;
/** Upper end of the bisection: no quantile asked of the verdict (α ≥ 1e-9, ν ≥ 1) is beyond it. */
const T_SEARCH_MAX = 1e6;

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < BETA_CF_TINY) d = BETA_CF_TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= BETA_CF_MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < BETA_CF_TINY) d = BETA_CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < BETA_CF_TINY) c = BETA_CF_TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < BETA_CF_TINY) d = BETA_CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < BETA_CF_TINY) c = BETA_CF_TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < BETA_CF_EPSILON) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(|T| > t) for Student's t with `dof` degrees of freedom, t ≥ 0. */
export function studentTwoSidedP(t: number, dof: number): number {
  return regularizedBeta(dof / (dof + t * t), dof / 2, 0.5);
}

/** The t with P(|T| > t) = alpha: the multiplier of a two-sided (1 − alpha) interval with `dof` degrees of freedom. */
export function twoSidedT(alpha: number, dof: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(dof >= 1)) throw new RangeError(`dof must be at least 1, got ${dof}`);
  let lo = 0;
  let hi = T_SEARCH_MAX;
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, dof) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
