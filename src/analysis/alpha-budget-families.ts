// How the error budget of a scenario is shared when its variant families are judged too.

/**
 * Share of a scenario's error budget given to its per-family intervals when it rotates families; the
 * rest goes to the mixed fit over all cycles. Half and half: the mixed fit still catches a leak spread
 * over every family with nearly its old power (z 2.50 → 2.81 at four metrics), and the families get
 * enough of the budget that a leak confined to one of twenty is found at its own size.
 */
export const FAMILY_BUDGET_SHARE = 0.5;

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
