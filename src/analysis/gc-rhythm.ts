// Continuous (soak) runs: no cycles, so floors come from windows sized by the GC's own rhythm.

import { median, robustSigma } from './quantile.js';

/** Fewest samples to look for a period in: below this there are not three GC cycles to see. */
export const GC_MIN_SAMPLES = 12;

/**
 * A first difference counts as a GC drop when it is this many robust sigmas below the typical
 * difference. 4σ: between collections memory creeps up with jitter; a collection removes a
 * whole period's garbage at once, many sigmas of jitter, while a Gaussian difference reaches
 * 4σ about once in 30,000.
 */
export const GC_DROP_SIGMAS = 4;

/**
 * Among candidate drops, only those at least this share of the median drop are collections:
 * a third keeps minor collections that free less (and drops split over two samples, which are
 * merged) but not the occasional deep noise dip.
 */
export const GC_DROP_MIN_SHARE = 1 / 3;

/** Fewest collections seen to state a period (two spacings between them). */
export const GC_MIN_DROPS = 3;

/**
 * Largest robust spread (MAD-sigma / median) of the spacings between detected collections for
 * their median to be the period. Collections triggered by a steady allocation rate come evenly
 * spaced (±10–20 %); a spread above a quarter means some were missed (spacings of 2 or 3
 * periods) or noise was taken for one, and the autocorrelation is asked instead.
 */
export const GC_MAX_SPACING_SPREAD = 0.25;

/**
 * Share of the collections a run must show (of span / period) for the drop spacing to be
 * trusted: with fewer than 60 % seen, the visible ones are the few that stood out of the noise,
 * and their spacing is some multiple of the period.
 */
export const GC_MIN_SEEN_SHARE = 0.6;

/**
 * When drops cannot be told from the noise, the period is the highest peak of the detrended
 * series' autocorrelation after it first turns negative, if that peak reaches this value:
 * 0.3 is about 3 standard errors of a sample autocorrelation over ~100 samples, so a peak that
 * high is a rhythm, not chance.
 */
export const GC_ACF_MIN_PEAK = 0.3;

/**
 * An autocorrelation peak at a multiple of the period can be the highest (noise); a peak within
 * ±15 % of a half, third or quarter of its lag is taken as the period instead…
 */
export const GC_SUBMULTIPLE_TOLERANCE = 0.15;

/** …when it reaches at least this share of the highest peak (a jittered sawtooth's peaks decay with lag). */
export const GC_SUBMULTIPLE_MIN_SHARE = 0.7;

/**
 * Soak windows span this many GC periods: with two, every window holds at least one complete
 * trough even when the period jitters by up to half, so its minimum is a true post-GC floor.
 */
export const SOAK_WINDOW_GC_PERIODS = 2;

/**
 * A trailing window is kept only if the samples cover at least this share of it: a window cut
 * short may end before its trough and give a floor that is too high.
 */
export const WINDOW_MIN_COVERAGE = 0.9;

/**
 * Period (ms) of the GC sawtooth in raw samples: the median spacing of the big drops in the
 * first differences (collections), when they are evenly spaced and most of them were seen;
 * otherwise — or when that spacing is a whole multiple of it (collections lost in the noise) —
 * the lag of the main autocorrelation peak of the linearly detrended series. null when neither
 * shows a rhythm.
 */
export function estimateGcPeriod(ts: number[], values: number[]): number | null {
  const pts = ts
    .map((t, i) => ({ t, v: values[i] as number }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v))
    .sort((a, b) => a.t - b.t);
  if (pts.length < GC_MIN_SAMPLES) return null;
  const fromDrops = periodFromDrops(pts);
  const fromAcf = periodFromAutocorrelation(pts);
  if (fromDrops === null) return fromAcf;
  if (fromAcf !== null && fromDrops > fromAcf * (1 + GC_SUBMULTIPLE_TOLERANCE)) {
    // Drops spaced a whole multiple of the autocorrelation's period: collections were missed.
    const k = Math.round(fromDrops / fromAcf);
    if (k >= 2 && Math.abs(fromDrops - k * fromAcf) <= GC_SUBMULTIPLE_TOLERANCE * k * fromAcf) return fromAcf;
  }
  return fromDrops;
}

function periodFromDrops(pts: readonly { t: number; v: number }[]): number | null {
  const d: number[] = [];
  for (let i = 1; i < pts.length; i++) d.push((pts[i] as { v: number }).v - (pts[i - 1] as { v: number }).v);
  const center = median(d);
  const sigma = robustSigma(d);
  const candidates: { i: number; size: number }[] = [];
  for (let i = 0; i < d.length; i++) {
    const di = d[i] as number;
    const below = center - di;
    if (di < 0 && below > 0 && (sigma > 0 ? below > GC_DROP_SIGMAS * sigma : true)) candidates.push({ i, size: -di });
  }
  if (candidates.length === 0) return null;
  const typical = median(candidates.map((c) => c.size));
  const drops = candidates.filter((c) => c.size >= GC_DROP_MIN_SHARE * typical);
  // A collection seen over two consecutive samples is one event, timed at its first sample.
  const events: number[] = [];
  let lastI = -2;
  for (const c of drops) {
    if (c.i !== lastI + 1) events.push((pts[c.i + 1] as { t: number }).t);
    lastI = c.i;
  }
  if (events.length < GC_MIN_DROPS) return null;
  const spacings: number[] = [];
  for (let k = 1; k < events.length; k++) spacings.push((events[k] as number) - (events[k - 1] as number));
  const period = median(spacings);
  if (!(period > 0)) return null;
  // Evenly spaced or not at all: uneven spacings mean missed collections or noise taken for one.
  const spread = robustSigma(spacings) / period;
  if (spread > GC_MAX_SPACING_SPREAD) return null;
  // Most collections seen: a run of span T at period P holds about T/P of them. Seeing only a
  // few (the rest lost in noise) makes "even spacing" a coincidence of multiples.
  const span = (pts[pts.length - 1] as { t: number }).t - (pts[0] as { t: number }).t;
  return events.length >= GC_MIN_SEEN_SHARE * (span / period) ? period : null;
}

function periodFromAutocorrelation(pts: readonly { t: number; v: number }[]): number | null {
  const n = pts.length;
  // Least-squares detrend: a leak's slope would otherwise dominate every lag.
  const tMean = pts.reduce((a, p) => a + p.t, 0) / n;
  const vMean = pts.reduce((a, p) => a + p.v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of pts) {
    sxy += (p.t - tMean) * (p.v - vMean);
    sxx += (p.t - tMean) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  const r = pts.map((p) => p.v - vMean - b * (p.t - tMean));
  const c0 = r.reduce((a, x) => a + x * x, 0);
  if (!(c0 > 0)) return null;
  const acf = (lag: number): number => {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += (r[i] as number) * (r[i + lag] as number);
    return s / c0;
  };
  const maxLag = Math.floor(n / 2);
  const a: number[] = [1];
  for (let lag = 1; lag <= maxLag; lag++) a.push(acf(lag));
  let zero = 1;
  while (zero <= maxLag && (a[zero] as number) > 0) zero++;
  if (zero > maxLag) return null;
  // The highest peak past the first zero crossing…
  let bestLag = zero;
  for (let lag = zero; lag <= maxLag; lag++) if ((a[lag] as number) > (a[bestLag] as number)) bestLag = lag;
  const best = a[bestLag] as number;
  if (best < GC_ACF_MIN_PEAK) return null;
  // …unless it is a multiple of the period: a peak near bestLag/k nearly as high is the period.
  let periodLag = bestLag;
  for (let k = 4; k >= 2; k--) {
    const centre = bestLag / k;
    const lo = Math.max(zero, Math.floor(centre * (1 - GC_SUBMULTIPLE_TOLERANCE)));
    const hi = Math.min(maxLag, Math.ceil(centre * (1 + GC_SUBMULTIPLE_TOLERANCE)));
    let local = -1;
    for (let lag = lo; lag <= hi; lag++) if (local < 0 || (a[lag] as number) > (a[local] as number)) local = lag;
    if (local >= 0 && (a[local] as number) >= Math.max(GC_ACF_MIN_PEAK, GC_SUBMULTIPLE_MIN_SHARE * best)) {
      periodLag = local;
      break;
    }
  }
  const dts: number[] = [];
  for (let i = 1; i < n; i++) dts.push((pts[i] as { t: number }).t - (pts[i - 1] as { t: number }).t);
  const dt = median(dts);
  return dt > 0 ? periodLag * dt : null;
}

/**
 * The minimum of each window of `windowMs`, windows laid end to end from the first sample; empty
 * windows are skipped and a trailing window covered less than WINDOW_MIN_COVERAGE is dropped.
 * `t` is when the minimum was seen. Empty for windowMs ≤ 0 or no finite samples.
 */
export function windowMinima(ts: number[], values: number[], windowMs: number): { t: number; value: number }[] {
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) return [];
  const pts = ts
    .map((t, i) => ({ t, v: values[i] as number }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v))
    .sort((a, b) => a.t - b.t);
  if (pts.length === 0) return [];
  const t0 = (pts[0] as { t: number }).t;
  const tEnd = (pts[pts.length - 1] as { t: number }).t;
  const out: { t: number; value: number }[] = [];
  let current = -1;
  let best: { t: number; value: number } | null = null;
  for (const p of pts) {
    const w = Math.floor((p.t - t0) / windowMs);
    if (w !== current) {
      if (best !== null) out.push(best);
      current = w;
      best = null;
    }
    if (best === null || p.v < best.value) best = { t: p.t, value: p.v };
  }
  if (best !== null) {
    const start = t0 + current * windowMs;
    if (tEnd - start >= WINDOW_MIN_COVERAGE * windowMs) out.push(best);
  }
  return out;
}

/** Window for soak floors from an estimated GC period; `fallbackMs` when no period was found. */
export function soakWindowMs(gcPeriodMs: number | null, fallbackMs: number): number {
  return gcPeriodMs !== null && gcPeriodMs > 0 ? SOAK_WINDOW_GC_PERIODS * gcPeriodMs : fallbackMs;
}
