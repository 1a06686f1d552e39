import type { MetricInfo, MetricValues } from '../core/metrics.js';
import type { ProbeKind } from '../core/probe-stats.js';

// A probe reads figures of the target from one place: /proc, the broker's $SYS topics, an HTTP
// endpoint, a cgroup folder, a command. The sampler reads every probe each tick; each metric a probe
// offers is named `<probe id>.<figure>` and judged by the same verdict machinery as RSS.

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

export class ProbeTimeoutError extends Error {
  constructor(ms: number) {
    super(`no reading within ${ms} ms`);
  }
}
