import type { PhaseName } from '../report/model.js';
import type { MetricValues } from '../sample/metrics.js';

/** What a run tells whoever shows progress (the CLI's progress line, a test, a CI log). */
export interface RunObserver {
  targetReady?(description: string): void;
  scenarioStart?(name: string, index: number, total: number, estimatedMs: number): void;
  phase?(name: PhaseName, detail: string): void;
  cycleDone?(progress: CycleProgress): void;
  scenarioDone?(name: string, verdict: string): void;
  /** A latest sample, at most a few times per second. */
  sample?(values: MetricValues): void;
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
}
