// The error budget of a run: how likely a clean broker is to get a false LEAK somewhere.

/**
 * Two-sided error of each scenario's family of intervals. 95 % intervals are the convention a
 * reader expects; and since only an interval's lower bound can give LEAK, a clean broker's false
 * LEAK rate from the interval alone is at most α/2 = 2.5 % per scenario before the persistence
 * and recovery checks cut it further: rare enough for a gate run on every commit, while 12
 * cycles still resolve leaks of a few hundred bytes per operation at typical RSS noise.
 */
export const DEFAULT_FAMILY_ALPHA = 0.05;

/**
 * The alpha each metric's interval gets when `metricsJudged` metrics share `familyAlpha`:
 * Bonferroni, familyAlpha / m. The metrics of one process are strongly dependent (rss and
 * rssAnon move together, fds and threads often too) and Bonferroni holds under any dependence
 * without modelling it; with the 2–4 metrics judged per scenario it costs little (z goes from
 * 1.96 to 2.50 at m = 4), and the simpler Holm step-down would not apply because every metric
 * needs its own interval, not just a reject/accept decision.
 */
export function shareAlpha(familyAlpha: number, metricsJudged: number): number {
  if (!(familyAlpha > 0 && familyAlpha < 1)) throw new RangeError(`familyAlpha must be in (0, 1), got ${familyAlpha}`);
  const m = Number.isFinite(metricsJudged) ? Math.max(1, Math.floor(metricsJudged)) : 1;
  return familyAlpha / m;
}
