import type { MetricKind } from './verdict-types.js';

// Metric names are namespaced by the probe that reads them: `proc.rss`, `sys.heap`, `http.<name>`,
// `cgroup.memory`, `cmd.<name>`; per process of a cluster `proc[PID].rss`. Reports written before
// probes existed named the /proc figures bare (`rss`): `canonicalMetricName` reads them.

/** A metric's name, e.g. `proc.rss`, `sys.heap`, `http.rabbitmq_process_resident_memory_bytes`. */
export type MetricName = string;

export interface MetricInfo {
  name: MetricName;
  kind: MetricKind | 'rate';
  unit: string;
  /** Judged by the verdict (cpu is a rate, swap a data-quality signal: recorded, not judged). */
  judged: boolean;
  description: string;
}

/** What the proc probe reads of one process, by bare name (the part after `proc.`). */
export const PROC_FIGURES: readonly MetricInfo[] = [
  { name: 'rss', kind: 'bytes', unit: 'B', judged: true, description: 'resident set size' },
  {
    name: 'rssAnon',
    kind: 'bytes',
    unit: 'B',
    judged: true,
    description: 'anonymous resident memory (heap, not mapped files)',
  },
  { name: 'fds', kind: 'count', unit: 'fds', judged: true, description: 'open file descriptors' },
  { name: 'threads', kind: 'count', unit: 'threads', judged: true, description: 'threads' },
  { name: 'swap', kind: 'bytes', unit: 'B', judged: false, description: 'swapped-out memory' },
  { name: 'cpu', kind: 'rate', unit: '%', judged: false, description: 'CPU use (100 = one core)' },
];

/** The proc probe's metrics for a single process: the default set of every run with a local PID. */
export const METRICS: readonly MetricInfo[] = PROC_FIGURES.map((figure) => ({
  ...figure,
  name: `proc.${figure.name}`,
}));

const LEGACY_NAMES = new Set(PROC_FIGURES.map((figure) => figure.name));

/** `rss` (a report or threshold from before probes) → `proc.rss`; namespaced names unchanged. */
export function canonicalMetricName(name: string): MetricName {
  return LEGACY_NAMES.has(name) ? `proc.${name}` : name;
}

/**
 * `proc.rss` → `rss`: the bare name older reports, thresholds and `--set thresholds.rss` use; null for other probes'
 * metrics.
 */
export function legacyMetricName(name: MetricName): string | null {
  const bare = name.startsWith('proc.') ? name.slice('proc.'.length) : null;
  return bare !== null && LEGACY_NAMES.has(bare) ? bare : null;
}

/** Values of one reading, by metric name. */
export type MetricValues = Partial<Record<MetricName, number>>;

/** One reading of the target, `t` in ms since the run started. */
export interface Sample {
  t: number;
  /** How late the sampler ran compared with its schedule (ms): a busy event loop shows here. */
  lateMs: number;
  values: MetricValues;
}
