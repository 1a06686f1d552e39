import type { PhaseName } from '../core/report-model.js';
import type { MetricValues } from '../core/metrics.js';

/** What a run tells whoever shows progress (the CLI's progress line, a test, a CI log). */
export interface RunObserver {
  targetReady?(description: string): void;
  scenarioStart?(name: string, index: number, total: number, estimatedMs: number): void;
  phase?(name: PhaseName, detail: string): void;
  cycleDone?(progress: CycleProgress): void;
  scenarioDone?(name: string, verdict: string): void;
  /** Something the user must act on while the run waits (where to point the target's bridge). */
  notice?(message: string): void;
  /** A latest sample, at most a few times per second, with what the load generator holds at that moment. */
  sample?(values: MetricValues, load?: LoadStatus): void;
}

export interface LoadStatus {
  /** Client connections mqleak holds open right now. */
  clientsConnected: number;
}

export interface CycleProgress {
  scenario: string;
  index: number;
  total: number;
  warmup: boolean;
  operations: number;
  failures: number;
  opsPerSecond: number;
  floors: MetricValues;
  remainingMs: number;
  /** Operations since the scenario started, up to this cycle's load end: the x of the running slope. */
  cumulativeOps?: number;
}
