import { canonicalMetricName, METRICS, type MetricInfo, type MetricValues, type Sample } from '../core/metrics.js';
import { ProbeTimeoutError, type Probe } from './probe.js';
import { emptyProbeStats, type ProbeStats } from '../core/probe-stats.js';
import { ProcessGoneError } from './proc-probe.js';
import { SampleStore } from '../core/sample-store.js';

export const DEFAULT_SAMPLE_INTERVAL_MS = 100;
/**
 * How long a tick waits for its slow probes (HTTP, commands) before it records the sample without them:
 * a quarter of the interval keeps the local figures on schedule; a reading that comes later joins the next tick.
 */
const SLOW_PROBE_WAIT_SHARE = 0.25;

interface ProbeState {
  probe: Probe;
  stats: ProbeStats;
  busy: boolean;
  /** A reading that arrived since the last sample; each is used once. */
  fresh: MetricValues | null;
}

/** Anything that reads one process's figures by their bare /proc names (ProcProbe, the self-check's probe). */
export interface ProcessReader {
  read(nowMs: number): Promise<MetricValues>;
}

/** /proc files are read in well under this; longer means the machine is stalled. */
const PROCESS_READ_TIMEOUT_MS = 5000;

function asProbe(probe: Probe | ProcessReader): Probe {
  if ('metrics' in probe) return probe;
  return {
    id: 'proc',
    kind: 'proc',
    source: 'one process',
    metrics: METRICS,
    slow: false,
    timeoutMs: PROCESS_READ_TIMEOUT_MS,
    read: async (nowMs) => {
      const values: MetricValues = {};
      for (const [name, value] of Object.entries(await probe.read(nowMs))) values[canonicalMetricName(name)] = value;
      return values;
    },
  };
}

function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProbeTimeoutError(ms));
    }, ms);
    timer.unref();
  });
  return Promise.race([work(controller.signal), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reads every probe at a fixed interval on an unref'd timer (it never keeps mqleak alive by itself).
 * Each sample records how late it ran; ticks missed because a read was slow are skipped, not queued.
 * Probes are read concurrently: a slow one (HTTP, a command) never stalls the others; its failures are
 * counted per probe (`probeStats`), and only a watched process going away stops the sampling.
 */
export class Sampler {
  /** Every sample taken, in compact columns (sample-store.ts): ask it for a time range, never keep them as objects. */
  readonly store = new SampleStore();
  private timer: NodeJS.Timeout | null = null;
  private tick = 0;
  private running = false;
  private failure: ProcessGoneError | null = null;
  private readonly failureListeners: ((error: ProcessGoneError) => void)[] = [];
  private readonly sampleListeners: ((sample: Sample) => void)[] = [];
  private readonly states: ProbeState[];

  constructor(
    probes: Probe | ProcessReader | readonly Probe[],
    private readonly intervalMs: number,
    private readonly clock: () => number,
  ) {
    const list: readonly (Probe | ProcessReader)[] = Array.isArray(probes)
      ? (probes as readonly Probe[])
      : [probes as Probe | ProcessReader];
    this.states = list.map((probe) => ({ probe: asProbe(probe), stats: emptyProbeStats(), busy: false, fresh: null }));
  }

  /** Every metric of every probe, in probe order. */
  get metrics(): MetricInfo[] {
    return this.states.flatMap((state) => [...state.probe.metrics]);
  }

  get probes(): Probe[] {
    return this.states.map((state) => state.probe);
  }

  /** How each probe fared so far, by probe id. */
  probeStats(): { probe: Probe; stats: ProbeStats }[] {
    return this.states.map((state) => ({ probe: state.probe, stats: { ...state.stats } }));
  }

  start(): void {
    this.running = true;
    this.tick = 0;
    this.schedule(this.clock());
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The process vanished (or was replaced) while sampling; null while it is fine. */
  get failed(): ProcessGoneError | null {
    return this.failure;
  }

  onFailure(listener: (error: ProcessGoneError) => void): void {
    this.failureListeners.push(listener);
  }

  onSample(listener: (sample: Sample) => void): void {
    this.sampleListeners.push(listener);
  }

  /** Reads one sample now, outside the schedule (e.g. right before a phase boundary). */
  async sampleNow(): Promise<void> {
    await this.take(this.clock(), this.clock());
  }

  private schedule(originMs: number): void {
    if (!this.running) return;
    const dueMs = originMs + this.tick * this.intervalMs;
    this.timer = setTimeout(
      () => {
        const startedMs = this.clock();
        void this.take(dueMs, startedMs).finally(() => {
          // Skip the ticks a slow read overran instead of firing them back to back.
          this.tick = Math.max(this.tick + 1, Math.ceil((this.clock() - originMs) / this.intervalMs));
          this.schedule(originMs);
        });
      },
      Math.max(0, dueMs - this.clock()),
    );
    this.timer.unref();
  }

  private async readOne(state: ProbeState, nowMs: number): Promise<void> {
    state.busy = true;
    try {
      state.fresh = {
        ...(state.fresh ?? {}),
        ...(await withTimeout((signal) => state.probe.read(nowMs, signal), state.probe.timeoutMs)),
      };
      state.stats.readings++;
    } catch (error) {
      if (error instanceof ProcessGoneError) throw error;
      if (error instanceof ProbeTimeoutError) state.stats.timeouts++;
      else state.stats.failures++;
      state.stats.lastError = { message: error instanceof Error ? error.message : String(error), atMs: this.clock() };
    } finally {
      state.busy = false;
    }
  }

  private async take(dueMs: number, startedMs: number): Promise<void> {
    if (this.failure !== null) return;
    try {
      const local: Promise<void>[] = [];
      const slow: Promise<void>[] = [];
      for (const state of this.states) {
        state.stats.ticks++;
        if (state.busy) {
          state.stats.skipped++;
          continue;
        }
        (state.probe.slow ? slow : local).push(this.readOne(state, startedMs));
      }
      // A slow probe's failure is recorded by readOne; only a gone process rejects, and that is awaited below.
      const slowDone = Promise.all(slow);
      slowDone.catch(() => undefined);
      await Promise.all(local);
      if (slow.length > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          slowDone,
          new Promise<void>((resolve) => (timer = setTimeout(resolve, this.intervalMs * SLOW_PROBE_WAIT_SHARE))),
        ]);
        clearTimeout(timer);
      }
      const values: MetricValues = {};
      for (const state of this.states) {
        if (state.fresh === null) continue;
        Object.assign(values, state.fresh);
        state.fresh = null;
      }
      const sample: Sample = { t: startedMs, lateMs: Math.max(0, startedMs - dueMs), values };
      this.store.append(sample);
      for (const listener of this.sampleListeners) listener(sample);
    } catch (error) {
      if (!(error instanceof ProcessGoneError)) throw error;
      if (this.failure !== null) return;
      this.failure = error;
      this.stop();
      for (const listener of this.failureListeners) listener(error);
    }
  }
}
