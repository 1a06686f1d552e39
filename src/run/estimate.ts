import type { Params } from '../patterns/pattern.js';

/**
 * A rate to guess load time with before anything ran. Measured here: Mosquitto took ~3,100 connects/s
 * from one mqleak process, Aedes 1,300 (MQTT) to 6,800 (bare TCP) per second.
 */
const NOMINAL_OPS_PER_SECOND = 2500;

/** Rough length of a scenario from its parameters, for `mqleak list` and the progress line. */
export function estimateScenarioMs(params: Params): number {
  const n = (name: string): number => (typeof params[name] === 'number' ? (params[name] as number) : 0);
  const cycles = n('warmupCycles') + n('cycles');
  const loadSeconds = (cycles * n('operationsPerCycle')) / NOMINAL_OPS_PER_SECOND;
  return (n('baselineSeconds') + n('recoverySeconds') + cycles * n('settleSeconds') + loadSeconds) * 1000;
}
