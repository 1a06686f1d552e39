import type { Params } from '../patterns/pattern.js';

/** Rough length of a scenario from its parameters (load time unknown beforehand: a nominal guess per cycle). */
const NOMINAL_LOAD_MS_PER_CYCLE = 500;

export function estimateScenarioMs(params: Params): number {
  const n = (name: string): number => (typeof params[name] === 'number' ? (params[name] as number) : 0);
  const cycles = n('warmupCycles') + n('cycles');
  return (n('baselineSeconds') + n('recoverySeconds') + cycles * n('settleSeconds')) * 1000 + cycles * NOMINAL_LOAD_MS_PER_CYCLE;
}
