import type { MetricKind } from '../analysis/types.js';

/** What a probe reads of the broker process. */
export type MetricName = 'rss' | 'rssAnon' | 'swap' | 'fds' | 'threads' | 'cpu';

export interface MetricInfo {
  name: MetricName;
  kind: MetricKind | 'rate';
  unit: string;
  /** Judged by the verdict (cpu is a rate, swap a data-quality signal: recorded, not judged). */
  judged: boolean;
  description: string;
}

export const METRICS: readonly MetricInfo[] = [
  { name: 'rss', kind: 'bytes', unit: 'B', judged: true, description: 'resident set size' },
  { name: 'rssAnon', kind: 'bytes', unit: 'B', judged: true, description: 'anonymous resident memory (heap, not mapped files)' },
  { name: 'fds', kind: 'count', unit: 'fds', judged: true, description: 'open file descriptors' },
  { name: 'threads', kind: 'count', unit: 'threads', judged: true, description: 'threads' },
  { name: 'swap', kind: 'bytes', unit: 'B', judged: false, description: 'swapped-out memory' },
  { name: 'cpu', kind: 'rate', unit: '%', judged: false, description: 'CPU use (100 = one core)' },
];

export type MetricValues = Partial<Record<MetricName, number>>;

/** One reading of the target, `t` in ms since the run started. */
export interface Sample {
  t: number;
  /** How late the sampler ran compared with its schedule (ms): a busy event loop shows here. */
  lateMs: number;
  values: MetricValues;
}
