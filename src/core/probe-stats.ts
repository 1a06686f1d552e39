import type { MetricInfo } from './metrics.js';

export type ProbeKind = 'proc' | 'sys' | 'http' | 'cgroup' | 'cmd' | 'jvm';

export const PROBE_KINDS: readonly ProbeKind[] = ['proc', 'sys', 'http', 'cgroup', 'cmd', 'jvm'];

/** How one probe fared over a run: what the report's `probes[]` shows, so no failure is swallowed. */
export interface ProbeStats {
  /** Ticks it was asked for a reading. */
  ticks: number;
  /** Readings that gave values. */
  readings: number;
  failures: number;
  timeouts: number;
  /** Ticks skipped because its previous reading was still running. */
  skipped: number;
  /** The latest failure's message, and when (ms since the run started). */
  lastError: { message: string; atMs: number } | null;
}

export function emptyProbeStats(): ProbeStats {
  return { ticks: 0, readings: 0, failures: 0, timeouts: 0, skipped: 0, lastError: null };
}

/** A probe as the report names it, with how it fared. */
export interface ProbeStatsEntry {
  probe: {
    readonly id: string;
    readonly kind: ProbeKind;
    readonly source: string;
    readonly metrics: readonly MetricInfo[];
  };
  stats: ProbeStats;
}
