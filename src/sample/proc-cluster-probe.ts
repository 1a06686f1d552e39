import { METRICS, PROC_FIGURES, type MetricInfo, type MetricValues } from '../core/metrics.js';
import type { Probe } from './probe.js';
import { ProcProbe } from './proc-probe.js';

/** /proc files of a handful of processes are read in well under this; longer means the machine is stalled. */
const PROC_TIMEOUT_MS = 5000;

/**
 * The `proc` probe: memory, descriptors, threads and CPU of the broker's process, or of every process of
 * a cluster. One PID: `proc.rss` …. Several: `proc.rss` is the sum over them (what the cluster holds) and
 * `proc[PID].rss` each one's own, all judged — a leak in one node shows in its own series even when the
 * sum is noisy. A process that goes away ends the run (ProcessGoneError), as with one PID.
 */
export class ProcClusterProbe implements Probe {
  readonly id = 'proc';
  readonly kind = 'proc' as const;
  readonly slow = false;
  readonly timeoutMs = PROC_TIMEOUT_MS;
  readonly metrics: readonly MetricInfo[];
  readonly source: string;
  private readonly readers: ProcProbe[];

  constructor(
    readonly pids: readonly number[],
    hasProc = process.platform === 'linux',
  ) {
    this.readers = pids.map((pid) => new ProcProbe(pid, hasProc));
    this.source =
      pids.length === 1 ? `pid ${pids[0]}` : `pids ${pids.join(', ')} (summed as proc.*, each as proc[PID].*)`;
    const perPid =
      pids.length > 1
        ? pids.flatMap((pid) =>
            PROC_FIGURES.map((figure) => ({
              ...figure,
              name: `proc[${pid}].${figure.name}`,
              description: `${figure.description} of pid ${pid}`,
            })),
          )
        : [];
    this.metrics = [...METRICS, ...perPid];
  }

  async read(nowMs: number): Promise<MetricValues> {
    const readings = await Promise.all(this.readers.map((reader) => reader.read(nowMs)));
    const values: MetricValues = {};
    for (const figure of PROC_FIGURES) {
      const parts = readings.map((reading) => reading[figure.name]);
      // A sum over some of the processes would look like a drop: only when every one gave the figure.
      if (parts.every((part): part is number => part !== undefined))
        values[`proc.${figure.name}`] = parts.reduce((sum, part) => sum + part, 0);
      if (this.readers.length > 1) {
        parts.forEach((part, k) => {
          if (part !== undefined) values[`proc[${this.pids[k]}].${figure.name}`] = part;
        });
      }
    }
    return values;
  }
}
