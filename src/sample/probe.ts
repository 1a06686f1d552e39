import type { MetricInfo, MetricValues } from './metrics.js';

// A probe reads figures of the target from one place: /proc, the broker's $SYS topics, an HTTP
// endpoint, a cgroup folder, a command. The sampler reads every probe each tick; each metric a probe
// offers is named `<probe id>.<figure>` and judged by the same verdict machinery as RSS.

export type ProbeKind = 'proc' | 'sys' | 'http' | 'cgroup' | 'cmd';

export const PROBE_KINDS: readonly ProbeKind[] = ['proc', 'sys', 'http', 'cgroup', 'cmd'];

export interface Probe {
  /** The metrics' namespace: `proc`, `sys`, `http`, `cgroup`, `cmd` (or a user-given name for several of a kind). */
  readonly id: string;
  readonly kind: ProbeKind;
  /** What it reads, for the report: a PID list, a URL and selector, a folder, a command. */
  readonly source: string;
  /** Every metric it offers, names namespaced (`sys.heap`). */
  readonly metrics: readonly MetricInfo[];
  /**
   * Remote or external (HTTP, a command): read without stalling the tick; a read still running when the
   * next tick comes skips that tick. Local ones (/proc, a cgroup folder, cached $SYS values) are awaited.
   */
  readonly slow: boolean;
  /** A read that takes longer is abandoned and counted as a timeout. */
  readonly timeoutMs: number;
  /** Connects or checks what it reads, before the run's first sample; throws a usage or target error. */
  open?(): Promise<void>;
  /** One reading; throws when it cannot (the sampler records why). */
  read(nowMs: number, signal: AbortSignal): Promise<MetricValues>;
  close?(): Promise<void>;
}

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

export class ProbeTimeoutError extends Error {
  constructor(ms: number) {
    super(`no reading within ${ms} ms`);
  }
}
