// Adaptive run length without inflated error rates: when a scenario may stop, and at what alpha
// each look judges. Method and measured error rates: docs/verdicts-sequential.md.

import { twoSidedZ } from './normal.js';
import { MIN_JUDGED_CYCLES } from './prepare.js';

/**
 * At most this share of whole clean runs (every scenario, every metric, every look) gets a false
 * LEAK. A gate on every pull request of a busy project runs hundreds of times a month; at 1 % a
 * false alarm is a rare event a team investigates rather than learns to ignore.
 */
export const RUN_FALSE_LEAK_RATE = 0.01;

/**
 * Two-sided alpha of the run. Only an interval's lower bound gives LEAK, so a two-sided budget of
 * twice the false-LEAK rate bounds false LEAKs by RUN_FALSE_LEAK_RATE and also bounds the other
 * tail (a PASS on a leak above δ) by the same amount.
 */
export const RUN_ALPHA = 2 * RUN_FALSE_LEAK_RATE;

/**
 * Each look comes when the measured cycles have grown by at least this factor since the last one.
 * Looking at every cycle would split the alpha into many small slices (each look's interval wider);
 * a geometric schedule gives ~6 looks between 6 and 24 cycles, so each keeps a useful slice, while
 * a scenario still stops within a quarter of the cycles it needed.
 */
export const LOOK_GROWTH = 1.25;

/** The first look: the fewest judged cycles any verdict gives (prepare.ts). */
export const FIRST_LOOK_CYCLES = MIN_JUDGED_CYCLES;

/**
 * Pocock-type spending function (Lan & DeMets 1983): α·ln(1 + (e − 1)·t) spent by information
 * fraction t. It spends early (a third of α by t = 0.25), which is what lets a broker whose floors
 * do not move stop at the first look; O'Brien–Fleming spending (below) saves almost all of it
 * for the end and would keep clean runs going.
 */
export function pocockSpending(t: number, alpha: number): number {
  const tt = Math.min(1, Math.max(0, t));
  return alpha * Math.log(1 + (Math.E - 1) * tt);
}

/** O'Brien–Fleming-type spending (Lan & DeMets 1983): 2 − 2Φ(z_{α/2}/√t); offered for comparison in the docs. */
export function obrienFlemingSpending(t: number, alpha: number): number {
  const tt = Math.min(1, Math.max(0, t));
  if (tt === 0) return 0;
  const zHalf = twoSidedZ(alpha);
  return Math.min(alpha, 2 * (1 - phi(zHalf / Math.sqrt(tt))));
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 via erf; |error| < 1.5e-7). */
function phi(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface SequentialPlan {
  /** Measured cycles at each look, ascending; the last is the cap. */
  looks: number[];
  /** Two-sided alpha each look's intervals are built at: the spending increment, and the whole familyAlpha at the cap. */
  alphas: number[];
  /** The scenario's whole two-sided alpha, over all its looks and metrics. */
  familyAlpha: number;
}

/**
 * The looks of a scenario capped at `capCycles` measured cycles and the alpha of each. The increments
 * of the spending function are used as the early looks' own alpha: by the union bound their upper
 * bounds hold together with probability ≥ 1 − familyAlpha/2 (repeated confidence intervals, Jennison
 * & Turnbull 1989, with a Bonferroni split instead of the joint normal law, which Theil–Sen on
 * autocorrelated floors does not follow), so stopping early on PASS keeps the error rates. The cap
 * gets the whole familyAlpha (see the loop).
 */
export function sequentialPlan(familyAlpha: number, capCycles: number, firstLook = FIRST_LOOK_CYCLES): SequentialPlan {
  if (!(familyAlpha > 0 && familyAlpha < 1)) throw new RangeError(`familyAlpha must be in (0, 1), got ${familyAlpha}`);
  const cap = Math.max(1, Math.floor(capCycles));
  const looks: number[] = [];
  for (
    let n = Math.min(Math.max(1, Math.floor(firstLook)), cap);
    n < cap;
    n = Math.max(n + 1, Math.ceil(n * LOOK_GROWTH))
  )
    looks.push(n);
  looks.push(cap);
  // A look before the cap can only stop on PASS (stopsEarly), so only its upper tail is ever acted on;
  // LEAK is only declared at the cap. So the cap judges at the whole familyAlpha: false LEAK ≤ α/2 from
  // its lower tail alone, and a PASS on a leak above δ ≤ (earlier increments + α)/2 ≤ α by the union bound.
  const alphas: number[] = [];
  let spent = 0;
  for (const n of looks) {
    const upTo = n === cap ? familyAlpha : pocockSpending(n / cap, familyAlpha);
    alphas.push(n === cap ? familyAlpha : upTo - spent);
    spent = upTo;
  }
  return { looks, alphas, familyAlpha };
}

/** The index of the look taken after `measuredCycles` measured cycles, or -1 when none is. */
export function lookAt(plan: SequentialPlan, measuredCycles: number): number {
  return plan.looks.indexOf(measuredCycles);
}

/** Each scenario's two-sided alpha when `scenarios` share the run's: Bonferroni, as the metrics share a scenario's. */
export function scenarioAlpha(scenarios: number, runAlpha = RUN_ALPHA): number {
  return runAlpha / Math.max(1, Math.floor(scenarios));
}

/** Why a scenario stopped cycling. */
export type StopReason = 'decided' | 'cap' | 'aborted' | 'error';

/** A look decides when every metric it judged is PASS or LEAK. */
export function allDecided(verdicts: readonly string[]): boolean {
  return verdicts.length > 0 && verdicts.every((verdict) => verdict === 'pass' || verdict === 'leak');
}

/**
 * A scenario stops before its cap only when every metric is PASS. A LEAK is confirmed over every cycle
 * up to the cap: growth that stops later (a cache filling for a dozen cycles) reads as a leak at an early
 * look, and the seeded calibration found exactly such false LEAKs when a LEAK could stop the run
 * (bench/calibration.ts). A clean broker pays nothing for this; a leaky one runs its full length.
 */
export function stopsEarly(verdicts: readonly string[]): boolean {
  return verdicts.length > 0 && verdicts.every((verdict) => verdict === 'pass');
}
