import { MIN_CYCLES_PER_FAMILY } from '../../core/variants.js';
import { numberParam, stringParam, type Params } from '../../core/params.js';
import type { CycleOutcome, CycleRequest, VariantSpace } from '../pattern.js';
import type { ProtocolFacts } from './protocol-facts.js';
import { factCycle } from './session-kit.js';

/**
 * The family cycle `index` runs, or undefined when it mixes every family: warm-up cycles mix them all
 * (each family is exercised, and answered, before any is judged: warm-up is not judged anyway), and so
 * does every cycle of a run too short to give each family MIN_CYCLES_PER_FAMILY measured cycles.
 * Measured cycle `index` runs families[index % families.length], as VariantSpace says.
 */
export function cycleFamily(params: Params, families: readonly string[], index: number): string | undefined {
  if (families.length < 2) return undefined;
  // A pattern started without the run shape (a library caller, one cycle on its own) mixes every family.
  if (typeof params.warmupCycles !== 'number' || typeof params.cycles !== 'number') return undefined;
  if (index < numberParam(params, 'warmupCycles')) return undefined;
  if (numberParam(params, 'cycles') < families.length * MIN_CYCLES_PER_FAMILY) return undefined;
  return families[index % families.length];
}

/** What a pattern with a `mode` parameter (`mixed` rotating through its modes) says of each mode. */
export type ModeWords = Record<string, { words: string; rule: string }>;

/**
 * The variant space of a pattern whose parameter `param` is one of `modes` or `mixed`: one family per
 * mode when mixed (else the one mode), each family one case, restricted by setting `param` to it.
 */
export function modeVariantSpace(param: string, modes: readonly string[], words: ModeWords): VariantSpace {
  return {
    families: (params) => {
      const mode = stringParam(params, param);
      return mode === 'mixed' ? [...modes] : [mode];
    },
    cases: (_params, family) => {
      const entry = words[family];
      return entry === undefined ? [] : [{ id: family, description: entry.words, rule: entry.rule }];
    },
    restrict: (params, family) => ({ ...params, [param]: family }),
  };
}

/**
 * factCycle with rotation: measured cycle i runs one family (passed to the operation as its mode) and
 * names it; warm-up and short runs pass `fallback` (the configured mode, `mixed` included).
 */
export function rotatingFactCycle(
  signal: AbortSignal,
  facts: ProtocolFacts,
  params: Params,
  families: readonly string[],
  fallback: string,
  operation: (index: number, mode: string) => Promise<void>,
): (request: CycleRequest) => Promise<CycleOutcome> {
  return async (request) => {
    const family = cycleFamily(params, families, request.index);
    const outcome = await factCycle(signal, facts, (i) => operation(i, family ?? fallback))(request);
    return family === undefined ? outcome : { ...outcome, variant: family };
  };
}

/** A share parameter (0..1) that splits operations two ways: the family name of each side. */
export interface ShareAxis {
  param: string;
  /** The name of the side a share of 1 picks (`v5`, `abrupt`). */
  yes: string;
  /** The name of the other side (`v4`, `disconnect`). */
  no: string;
}

/** The families the shares make (`v4-disconnect` ...): a share of 0 or 1 leaves one side out. */
export function shareFamilies(params: Params, axes: readonly ShareAxis[]): string[] {
  let names = [''];
  for (const axis of axes) {
    const share = numberParam(params, axis.param);
    const sides = [...(share < 1 ? [axis.no] : []), ...(share > 0 ? [axis.yes] : [])];
    names = names.flatMap((prefix) => sides.map((side) => (prefix === '' ? side : `${prefix}-${side}`)));
  }
  return names;
}

/** Which side of each axis a family takes: param → true for `yes`. */
export function shareSides(family: string, axes: readonly ShareAxis[]): Record<string, boolean> {
  const parts = family.split('-');
  return Object.fromEntries(axes.map((axis, k) => [axis.param, parts[k] === axis.yes]));
}

/** The variant space of share-split families: each family one case; restricting sets each share to 0 or 1. */
export function shareVariantSpace(axes: readonly ShareAxis[], words: ModeWords): VariantSpace {
  return {
    families: (params) => shareFamilies(params, axes),
    cases: (_params, family) => {
      const entry = words[family];
      return entry === undefined ? [] : [{ id: family, description: entry.words, rule: entry.rule }];
    },
    restrict: (params, family) => {
      const sides = shareSides(family, axes);
      return { ...params, ...Object.fromEntries(axes.map((axis) => [axis.param, sides[axis.param] ? 1 : 0])) };
    },
  };
}
