import type { ParamSpecs } from '../core/params.js';

/**
 * The run shape every scenario shares (DESIGN.md, "The run model"): baseline → warm-up cycles →
 * measured cycles → recovery. Defaults are what a CI gate should use; scenario files and `--set` override.
 */
export const RUN_PARAMS: ParamSpecs = {
  operationsPerCycle: {
    type: 'integer',
    default: 5000,
    minimum: 1,
    maximum: 1_000_000,
    description: 'operations of the pattern per cycle',
  },
  concurrency: {
    type: 'integer',
    default: 20,
    minimum: 1,
    maximum: 10_000,
    // Mosquitto's listen backlog holds 100 pending connections; staying well under it avoids SYN retries.
    description: 'operations in flight at once',
  },
  warmupCycles: {
    type: 'integer',
    default: 3,
    // DESIGN.md: at least 2 warm-up cycles are dropped (pools, caches and JIT fill up in the first ones).
    minimum: 2,
    maximum: 1000,
    description: 'cycles run first and not judged',
  },
  cycles: {
    type: 'integer',
    default: 12,
    minimum: 3,
    maximum: 10_000,
    description: 'measured cycles: the floors the verdict is fitted on',
  },
  baselineSeconds: { type: 'number', default: 3, minimum: 0, maximum: 3600, description: 'idle time before any load' },
  settleSeconds: {
    type: 'number',
    default: 2,
    minimum: 0.2,
    maximum: 600,
    description: 'idle time after each cycle; its end gives the cycle floor',
  },
  recoverySeconds: {
    type: 'number',
    default: 5,
    minimum: 0,
    maximum: 3600,
    description: 'idle time after everything disconnected: memory should come back',
  },
  cycleTimeoutSeconds: {
    type: 'number',
    default: 120,
    minimum: 1,
    maximum: 3600,
    description: "bound on one cycle's load: no operation starts after it",
  },
};

/** Metrics whose growth threshold δ a scenario may set (`thresholds:` in the file, `--set thresholds.rss=128`). */
export const THRESHOLD_METRICS = ['rss', 'rssAnon', 'fds', 'threads'] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];
