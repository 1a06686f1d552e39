// Default δ: the growth per operation that matters, per metric. Users override it.

import type { MetricKind } from '../core/verdict-types.js';

/**
 * 64 B per operation for memory. One operation (a connect/close, a subscribe/unsubscribe, a
 * retained set/clear) allocates hundreds of bytes to kilobytes of broker state (a socket and
 * its buffers, a session, a subscription node, a topic string), so leaking even one such object
 * per operation is far above 64 B; below it, allocator rounding and fragmentation blur what is
 * a leak. At 2,000 operations per cycle it is 128 KB per cycle — 32 pages — so RSS page
 * granularity does not hide it.
 */
export const DEFAULT_BYTES_THRESHOLD_PER_OP = 64;

/**
 * 0.01 per operation for counts (fds, threads): one per hundred operations. The usual count leak
 * is one per operation (every abrupt close keeps its socket, every failed setup its thread),
 * 100× above this. Counts are mainly judged by whether they return to their level (a rising idle
 * count is a leak whatever its rate), so this only sets the slope route.
 */
export const DEFAULT_COUNT_THRESHOLD_PER_OP = 0.01;

/** Per-metric defaults where a metric needs its own; everything else falls back to its kind. */
export const DEFAULT_THRESHOLDS_BY_METRIC: Readonly<Record<string, number>> = {
  rss: DEFAULT_BYTES_THRESHOLD_PER_OP,
  rssAnon: DEFAULT_BYTES_THRESHOLD_PER_OP,
  fds: DEFAULT_COUNT_THRESHOLD_PER_OP,
  threads: DEFAULT_COUNT_THRESHOLD_PER_OP,
};

export function defaultThresholdPerOp(metric: string, kind: MetricKind): number {
  const byMetric = Object.hasOwn(DEFAULT_THRESHOLDS_BY_METRIC, metric)
    ? DEFAULT_THRESHOLDS_BY_METRIC[metric]
    : undefined;
  if (byMetric !== undefined) return byMetric;
  return kind === 'bytes' ? DEFAULT_BYTES_THRESHOLD_PER_OP : DEFAULT_COUNT_THRESHOLD_PER_OP;
}
