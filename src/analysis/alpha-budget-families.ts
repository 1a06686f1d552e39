// How the error budget of a scenario is shared when its variant families are judged too.

/**
 * Share of a scenario's error budget given to its per-family intervals when it rotates families; the
 * rest goes to the mixed fit over all cycles. A fifth: the mixed fit, which every verdict before families
 * rested on and which alone catches a leak spread over every family, stays nearly as it was (z 2.50 →
 * 2.58 at four metrics), while the family intervals lose little to the smaller share (at 18 families
 * and 18 pooled degrees of freedom, t goes from 4.4 at half the budget to 4.8 at a fifth).
 */
export const FAMILY_BUDGET_SHARE = 0.2;

export interface FamilyAlphas {
  /** Alpha of each metric's mixed interval. */
  mixed: number;
  /** Alpha of each metric's interval for each family. */
  perFamily: number;
}

/**
 * Bonferroni over every interval that can give LEAK: `metrics` mixed intervals and `metrics × families`
 * family intervals share `scenarioAlpha`, so the chance of any false LEAK in the scenario stays at most
 * what it was with the mixed intervals alone. With fewer than two families nothing is shared.
 */
export function familyAlphas(scenarioAlpha: number, metrics: number, families: number): FamilyAlphas {
  if (!(scenarioAlpha > 0 && scenarioAlpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${scenarioAlpha}`);
  const m = Math.max(1, Math.floor(metrics));
  if (families < 2) return { mixed: scenarioAlpha / m, perFamily: scenarioAlpha / m };
  const f = Math.floor(families);
  return {
    mixed: (scenarioAlpha * (1 - FAMILY_BUDGET_SHARE)) / m,
    perFamily: (scenarioAlpha * FAMILY_BUDGET_SHARE) / (m * f),
  };
}
