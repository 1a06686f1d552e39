import type { FamilyReport, NarrowingReport, NarrowingTryReport } from '../core/report-model.js';

// What narrowing tries next after a family's LEAK: the family alone first (does it reproduce without the
// others?), then its cases one at a time, in the pattern's order, until one leaks alone or time runs out.
// One at a time, not bisection: VariantSpace.restrict runs one family or one case, and a case that leaks
// at a family's size leaks at least as much alone, so the first case that is LEAK alone is the answer.
// Pure: the tries so far and the clock in, the next step out.

/**
 * Default time narrowing may take, ms: the bound ("at most 5 minutes more"). `--narrow-budget`
 * changes it; a try that would likely end past it is not started.
 */
export const NARROW_DEFAULT_CAP_MS = 5 * 60_000;

/**
 * Measured cycles of each narrowing run. Eight floors give 28 pairwise slopes for Theil–Sen, enough to
 * resolve a leak at a family's own size (at least δ, usually several times it) on a C broker's page-sized
 * noise, while keeping one try near half a minute at the built-in scenarios' cycle sizes.
 */
export const NARROW_MEASURED_CYCLES = 8;

/** Warm-up cycles of each narrowing run: the run model's minimum (DESIGN.md: pools and caches fill first). */
export const NARROW_WARMUP_CYCLES = 2;

export type NarrowStep =
  | { kind: 'family' }
  | { kind: 'case'; caseId: string }
  | { kind: 'done'; outcome: NarrowingReport['outcome']; caseId: string | null };

export interface NarrowState {
  /** The family's case ids, in the pattern's order. */
  caseIds: readonly string[];
  tries: readonly NarrowingTryReport[];
  elapsedMs: number;
  capMs: number;
}

/** The next run narrowing should make, or what it found. */
export function nextNarrowStep(state: NarrowState): NarrowStep {
  const { caseIds, tries } = state;
  const familyTry = tries.find((entry) => entry.caseId === undefined);
  if (familyTry === undefined) return { kind: 'family' };
  if (familyTry.verdict === 'error') return { kind: 'done', outcome: 'error', caseId: null };
  if (familyTry.verdict !== 'leak') return { kind: 'done', outcome: 'not-reproduced', caseId: null };
  // A family of one case: the family's rerun was that case alone.
  if (caseIds.length === 1) return { kind: 'done', outcome: 'case', caseId: caseIds[0] as string };
  const leaking = tries.find((entry) => entry.caseId !== undefined && entry.verdict === 'leak');
  if (leaking?.caseId !== undefined) return { kind: 'done', outcome: 'case', caseId: leaking.caseId };
  const failed = tries.find((entry) => entry.caseId !== undefined && entry.verdict === 'error');
  if (failed !== undefined) return { kind: 'done', outcome: 'error', caseId: null };
  const next = caseIds.find((id) => !tries.some((entry) => entry.caseId === id));
  if (next === undefined) return { kind: 'done', outcome: 'family', caseId: null };
  // The next try will take about as long as the longest so far.
  const expected = Math.max(...tries.map((entry) => entry.wallMs));
  if (state.elapsedMs + expected > state.capMs) return { kind: 'done', outcome: 'out-of-time', caseId: null };
  return { kind: 'case', caseId: next };
}

/**
 * Whether a scenario's families call for narrowing: the leak is confined, not everywhere. It is when some
 * other family PASSes, or when a LEAK family's metric grows faster, beyond its own doubt, than the run as a
 * whole: its lower bound above the mixed fit's estimate (its upper bound where no estimate is given). On a
 * noisy broker the mixed interval is wide, so its upper bound would hide a leak confined to one family of
 * eighteen. A leak per connection whatever the way grows every family at the mixed rate: nothing to narrow.
 */
export function shouldNarrow(
  families: readonly FamilyReport[] | null | undefined,
  mixed: readonly { name: string; ci: [number, number] | null; perOp?: number | null }[] = [],
): boolean {
  const list = families ?? [];
  const leaking = list.filter((family) => family.verdict === 'leak');
  if (leaking.length === 0) return false;
  if (list.some((family) => family.verdict === 'pass')) return true;
  return leaking.some((family) =>
    family.metrics.some((metric) => {
      if (metric.verdict !== 'leak' || metric.ci === null) return false;
      const whole = mixed.find((entry) => entry.name === metric.name);
      const bound = whole?.perOp ?? whole?.ci?.[1] ?? null;
      return bound === null || metric.ci[0] > bound;
    }),
  );
}
