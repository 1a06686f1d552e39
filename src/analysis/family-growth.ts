// Growth per operation of each variant family, when a scenario runs one family per cycle in rotation.
// The floor's rise over a cycle is credited to the family that ran it: r = (floor_k − floor_{k−1}) / ops_k.
// A family's growth per operation is the mean of its own r; the noise of r is the same whichever family
// ran (one broker, one sampler), so its spread is pooled over every family (one-way ANOVA): a family
// seen in only three cycles still gets an interval with the degrees of freedom of the whole run.
// Why increments and not a regression of the floors on each family's cumulative operations: in rotation
// those regressors are nearly collinear, and the only information that tells families apart is the step
// at each cycle anyway; the increments say it directly. With at least two families, one family's cycles
// are never adjacent, so its increments share no floor and are independent (docs/narrowing.md).

import { formatPerOp } from '../core/format.js';
import type { ReasonCode, Verdict } from '../core/verdict-types.js';
import { twoSidedT } from './student-t.js';
import { MIN_CYCLES_PER_FAMILY } from '../core/variants.js';

/**
 * Fewest increments of its own a family needs for any verdict but INCONCLUSIVE: with two, one stray
 * increment (a one-off allocation) cannot by itself be half of the evidence and still pass the
 * majority check below.
 */
export const FAMILY_MIN_INCREMENTS = MIN_CYCLES_PER_FAMILY;

/**
 * Fewest degrees of freedom of the pooled noise estimate: below four, t's multiplier at the shared
 * error budget is in the tens and the interval says nothing.
 */
export const FAMILY_MIN_POOLED_DOF = 4;

/**
 * Share of a family's own increments that must exceed δ for a LEAK: more than half. A steady leak
 * grows at every one of its cycles; a one-off allocation (a table resized once) lifts one increment
 * and the mean, but not the majority.
 */
export const FAMILY_MIN_GROWING_SHARE = 0.5;

/**
 * Share of a family's credited growth that the whole run must have kept: growth credited to one
 * family and given back in the next family's cycle (connections it left half-open that closed after
 * its floor) is not a leak. The whole run's growth is bounded by the mixed fit's upper bound × its
 * operations; a real leak of one family puts all of its growth there.
 */
export const FAMILY_MIN_KEPT_SHARE = 0.5;

export interface FamilyCycle {
  index: number;
  warmup: boolean;
  operations: number;
  floor: number | null;
  /** The family the cycle ran (absent: not a rotating run). */
  variant?: string;
}

export interface FamilyGrowthOptions {
  /** δ, unit per operation. */
  thresholdPerOp: number;
  /** Two-sided error of each family's interval (its share of the scenario's budget). */
  alpha: number;
  /** The mixed fit's upper bound, unit per operation, and the operations it spans: how much growth the run kept. */
  mixedUpperPerOp: number | null;
  mixedOperations: number;
  unit: string;
  metric: string;
}

export interface FamilyGrowth {
  family: string;
  verdict: Verdict;
  reasonCode: ReasonCode;
  reason: string;
  /** Mean of the family's own increments per operation; null when it has none. */
  perOp: number | null;
  ci: [number, number] | null;
  /** Increments of its own the family was judged on. */
  cyclesUsed: number;
  /** Of those, how many grew by more than δ per operation. */
  growingCycles: number;
  operations: number;
}

interface Increment {
  family: string;
  perOp: number;
  operations: number;
}

/** The per-operation rise of every measured cycle over the one before it, credited to its family. */
export function familyIncrements(cycles: readonly FamilyCycle[]): Increment[] {
  const sorted = [...cycles].sort((a, b) => a.index - b.index);
  const out: Increment[] = [];
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1] as FamilyCycle;
    const cur = sorted[k] as FamilyCycle;
    // The first measured cycle rises over the last warm-up floor: a floor at rest like any other.
    if (cur.warmup || cur.variant === undefined || cur.operations <= 0) continue;
    if (cur.index !== prev.index + 1 || prev.floor === null || cur.floor === null) continue;
    if (!Number.isFinite(prev.floor) || !Number.isFinite(cur.floor)) continue;
    out.push({ family: cur.variant, perOp: (cur.floor - prev.floor) / cur.operations, operations: cur.operations });
  }
  return out;
}

/** Every family's growth per operation, with its interval from the pooled noise. `families`: all the run rotated through. */
export function judgeFamilyGrowth(
  families: readonly string[],
  cycles: readonly FamilyCycle[],
  options: FamilyGrowthOptions,
): FamilyGrowth[] {
  const increments = familyIncrements(cycles);
  const byFamily = new Map<string, Increment[]>(families.map((family) => [family, []]));
  for (const inc of increments) byFamily.get(inc.family)?.push(inc);
  const withData = [...byFamily.values()].filter((list) => list.length > 0);
  const n = withData.reduce((sum, list) => sum + list.length, 0);
  const dof = n - withData.length;
  let ss = 0;
  for (const list of withData) {
    const mean = list.reduce((sum, inc) => sum + inc.perOp, 0) / list.length;
    for (const inc of list) ss += (inc.perOp - mean) ** 2;
  }
  const sd = dof > 0 ? Math.sqrt(ss / dof) : Number.NaN;
  const t = dof >= 1 ? twoSidedT(options.alpha, dof) : Number.POSITIVE_INFINITY;
  return families.map((family) => judgeOne(family, byFamily.get(family) ?? [], sd, t, dof, options));
}

function judgeOne(
  family: string,
  list: readonly Increment[],
  sd: number,
  t: number,
  dof: number,
  options: FamilyGrowthOptions,
): FamilyGrowth {
  const { thresholdPerOp: thr, unit, metric } = options;
  const operations = list.reduce((sum, inc) => sum + inc.operations, 0);
  const growingCycles = list.filter((inc) => inc.perOp > thr).length;
  const base = { family, cyclesUsed: list.length, growingCycles, operations };
  if (list.length === 0) {
    return {
      ...base,
      verdict: 'inconclusive',
      reasonCode: 'underpowered',
      reason:
        `${metric}: no measured cycle of ${family} followed another with a floor: run more cycles (one family ` +
        'per cycle, in rotation).',
      perOp: null,
      ci: null,
    };
  }
  const mean = list.reduce((sum, inc) => sum + inc.perOp, 0) / list.length;
  if (list.length < FAMILY_MIN_INCREMENTS || dof < FAMILY_MIN_POOLED_DOF || !Number.isFinite(sd)) {
    return {
      ...base,
      verdict: 'inconclusive',
      reasonCode: 'underpowered',
      reason:
        `${metric}: ${family} ran ${list.length} judged cycle(s) and the run ${dof} degree(s) of freedom for ` +
        `its noise; at least ${FAMILY_MIN_INCREMENTS} and ${FAMILY_MIN_POOLED_DOF} are needed: run more ` +
        'cycles.',
      perOp: mean,
      ci: null,
    };
  }
  const half = (t * sd) / Math.sqrt(list.length);
  const ci: [number, number] = [mean - half, mean + half];
  const words =
    `${metric} grows ${formatPerOp(mean, unit)} per operation of ${family} ` +
    `(interval ${formatPerOp(ci[0], unit)} to ${formatPerOp(ci[1], unit)}, ${list.length} of its cycles)`;
  const judged = { ...base, perOp: mean, ci };
  if (ci[1] < thr) {
    return {
      ...judged,
      verdict: 'pass',
      reasonCode: 'flat',
      reason: `${words}: below the ${formatPerOp(thr, unit)} threshold.`,
    };
  }
  if (ci[0] > thr) {
    if (growingCycles <= FAMILY_MIN_GROWING_SHARE * list.length) {
      return {
        ...judged,
        verdict: 'inconclusive',
        reasonCode: 'step',
        reason:
          `${words}, but only ${growingCycles} of its ${list.length} cycles grew ` +
          `above ${formatPerOp(thr, unit)}: a one-off jump, not steady growth. Run more cycles to see whether ` +
          'it repeats.',
      };
    }
    const kept =
      options.mixedUpperPerOp === null ? Number.POSITIVE_INFINITY : options.mixedUpperPerOp * options.mixedOperations;
    if (kept < FAMILY_MIN_KEPT_SHARE * ci[0] * operations) {
      return {
        ...judged,
        verdict: 'inconclusive',
        reasonCode: 'transient',
        reason:
          `${words}, but the run as a whole kept at most ${formatPerOp(options.mixedUpperPerOp ?? 0, unit)} ` +
          `over all its operations: what ${family} took was given back in the other families' cycles.`,
      };
    }
    return {
      ...judged,
      verdict: 'leak',
      reasonCode: 'growth',
      reason:
        `${words}: above the ${formatPerOp(thr, unit)} threshold, in ${growingCycles} of its ${list.length} ` +
        'cycles.',
    };
  }
  return {
    ...judged,
    verdict: 'inconclusive',
    reasonCode: 'underpowered',
    reason:
      `${words}: the interval straddles the ${formatPerOp(thr, unit)} threshold; more cycles per family would ` +
      'settle it.',
  };
}
