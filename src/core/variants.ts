// Variant families: patterns that mix several ways of doing one operation run one family per measured
// cycle, in rotation, so that the verdict can credit each cycle's growth to the family that ran it.

/**
 * Measured cycles each family needs before rotation is worth it: the per-family verdict needs at least
 * two of a family's own rises (src/analysis/family-growth.ts). A shorter run keeps mixing every family
 * in every cycle, as before families existed, because no family could be judged on its own anyway.
 */
export const MIN_CYCLES_PER_FAMILY = 2;
