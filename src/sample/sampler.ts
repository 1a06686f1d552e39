import type { Sample } from './metrics.js';
import { ProcessGoneError, type ProcProbe } from './proc-probe.js';

export const DEFAULT_SAMPLE_INTERVAL_MS = 100;

/**
 * Reads the probe at a fixed interval on an unref'd timer (it never keeps mqleak alive by itself).
 * Each sample records how late it ran; ticks missed because a read was slow are skipped, not queued.
 */
export class Sampler {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private tick = 0;
  private running = false;
  private failure: ProcessGoneError | null = null;
  private readonly failureListeners: ((error: ProcessGoneError) => void)[] = [];
  private readonly sampleListeners: ((sample: Sample) => void)[] = [];

  constructor(
    private readonly probe: ProcProbe,
    private readonly intervalMs: number,
    private readonly clock: () => number,
  ) {}

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
    this.timer = setTimeout(() => {
      const startedMs = this.clock();
      void this.take(dueMs, startedMs).finally(() => {
        // Skip the ticks a slow read overran instead of firing them back to back.
        this.tick = Math.max(this.tick + 1, Math.ceil((this.clock() - originMs) / this.intervalMs));
        this.schedule(originMs);
      });
    }, Math.max(0, dueMs - this.clock()));
    this.timer.unref();
  }

  private async take(dueMs: number, startedMs: number): Promise<void> {
    if (this.failure !== null) return;
    try {
      const values = await this.probe.read(startedMs);
      const sample: Sample = { t: startedMs, lateMs: Math.max(0, startedMs - dueMs), values };
      this.samples.push(sample);
      for (const listener of this.sampleListeners) listener(sample);
    } catch (error) {
      if (!(error instanceof ProcessGoneError)) throw error;
      this.failure = error;
      this.stop();
      for (const listener of this.failureListeners) listener(error);
    }
  }
}
