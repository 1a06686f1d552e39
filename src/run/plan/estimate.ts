import type { PatternDefinition } from '../../patterns/pattern.js';
import type { Params } from '../../core/params.js';

import { NOMINAL_OPS_PER_SECOND } from '../../core/nominal-rate.js';

/**
 * Rough length of a scenario from its parameters (and its pattern's own extra time per cycle), for `mqleak list`,
 * `--budget` and the progress line.
 */
export function estimateScenarioMs(params: Params, pattern?: Pick<PatternDefinition, 'extraCycleMs'>): number {
  const n = (name: string): number => (typeof params[name] === 'number' ? (params[name] as number) : 0);
  const cycles = n('warmupCycles') + n('cycles');
  const loadSeconds = (cycles * n('operationsPerCycle')) / NOMINAL_OPS_PER_SECOND;
  return (
    (n('baselineSeconds') + n('recoverySeconds') + cycles * n('settleSeconds') + loadSeconds) * 1000 +
    cycles * (pattern?.extraCycleMs?.(params) ?? 0)
  );
}
