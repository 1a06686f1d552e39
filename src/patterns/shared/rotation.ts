import { MIN_CYCLES_PER_FAMILY } from '../../core/variants.js';
import { numberParam, type Params } from '../../core/params.js';

/**
 * The family cycle `index` runs, or undefined when it mixes every family: warm-up cycles mix them all
 * (each family is exercised, and answered, before any is judged: warm-up is not judged anyway), and so
 * does every cycle of a run too short to give each family MIN_CYCLES_PER_FAMILY measured cycles.
 * Measured cycle `index` runs families[index % families.length], as VariantSpace says.
 */
export function cycleFamily(params: Params, families: readonly string[], index: number): string | undefined {
  if (families.length < 2) return undefined;
  if (index < numberParam(params, 'warmupCycles')) return undefined;
  if (numberParam(params, 'cycles') < families.length * MIN_CYCLES_PER_FAMILY) return undefined;
  return families[index % families.length];
}
