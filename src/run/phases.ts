// What the cycle runner (run-scenario.ts) and the soak runner (soak-scenario.ts) do alike: the empty
// recording, the target check, the idle window that reads floors, and the refused-load check.
import { lowFloor } from '../analysis/index.js';
import { targetError } from '../core/errors.js';
import { METRICS, type MetricInfo, type MetricValues } from '../core/metrics.js';
import type { CycleOutcome } from '../patterns/pattern.js';
import { emptyProtocolFacts } from '../patterns/shared/protocol-facts.js';
import type { ScenarioRecording } from '../core/recording.js';
import type { SampleStore } from '../core/sample-store.js';
import { sleep } from '../core/sleep.js';
import type { Sampler } from '../sample/sampler.js';
import type { Target } from '../target/target.js';

/**
 * The first part of each idle window lets closing connections finish and the broker free them; the floor
 * is read over the rest. Half and half keeps ≥ 5 samples in the floor window at the default 100 ms interval
 * and the quick 1.2 s settle, while giving the broker the other half to settle.
 */
export const FLOOR_WINDOW_SHARE = 0.5;
/** A cycle or batch where at least this share of operations failed means the broker refused the load (exit 3). */
export const TARGET_REFUSED_SHARE = 0.5;

/** A recording with nothing in it yet, started now. */
export function emptyRecording(startMs: number): ScenarioRecording {
  return {
    startMs,
    endMs: 0,
    phases: [],
    cycles: [],
    baselineFloors: {},
    recoveryFloors: {},
    failureKinds: {},
    facts: emptyProtocolFacts(),
    error: null,
  };
}

/** Floors of every metric over the samples taken in [fromMs, toMs]. */
export function floorsBetween(
  store: SampleStore,
  fromMs: number,
  toMs: number,
  metrics: readonly MetricInfo[] = METRICS,
): MetricValues {
  const window = store.between(fromMs, toMs);
  const floors: MetricValues = {};
  for (const metric of metrics) {
    if (metric.kind === 'rate') continue;
    const values = window
      .map((sample) => sample.values[metric.name])
      .filter((value): value is number => value !== undefined);
    const floor = lowFloor(values);
    if (floor !== null) floors[metric.name] = floor;
  }
  return floors;
}

/** Throws the target error when the broker's process ended or its sampling failed; `during` says when. */
export function checkTarget(target: Target, sampler: Sampler, during: string, lastOperation?: string | null): void {
  const gone = sampler.failed ?? null;
  const exit = target.exitReason();
  if (gone === null && exit === null) return;
  throw targetError(
    `the broker process ${gone !== null ? `(${gone.message})` : `(pid ${target.pid}) ${exit}`} during ${during}` +
      (lastOperation === undefined || lastOperation === null ? '' : `; ${lastOperation}`),
    target.outputTail().length > 0
      ? `its last output: ${target.outputTail().slice(-2).join(' | ')}`
      : "check the broker's own logs",
  );
}

/** True when so many operations failed that the broker refused the load rather than leaked under it. */
export function refusedLoad(outcome: Pick<CycleOutcome, 'operations' | 'failures'>): boolean {
  return outcome.operations > 0 && outcome.failures >= outcome.operations * TARGET_REFUSED_SHARE;
}

/** The target error for a refused load; `where` says which cycle or how far into the soak. */
export function refusedLoadError(
  outcome: Pick<CycleOutcome, 'operations' | 'failures' | 'failureKinds'>,
  where: string,
  lastOperation?: string | null,
) {
  const [topKind] = Object.entries(outcome.failureKinds).sort((a, b) => b[1] - a[1]);
  return targetError(
    `the broker refused the load: ${outcome.failures} of ${outcome.operations} operations failed ${where}` +
      `${topKind === undefined ? '' : ` (mostly ${topKind[0]})`}` +
      (lastOperation === undefined || lastOperation === null ? '' : `; ${lastOperation}`),
    'check the broker is healthy and accepts this many connections (limits, authentication), ' +
      'or lower --set concurrency',
  );
}

export interface IdleWindow {
  target: Target;
  sampler: Sampler;
  signal: AbortSignal;
  clock: () => number;
  /** mqleak's own processes, read over the same floor window (the cycle runner's self-check). */
  self?: { sampler?: Sampler; gc?: () => boolean };
}

export interface IdleFloors {
  floors: MetricValues;
  gcForced: boolean;
  selfFloors: MetricValues;
  selfGcForced: boolean;
}

/** Idles for `ms`: a GC (where the target allows) after the settling part, then the floor window. */
export async function idleFloors(window: IdleWindow, ms: number): Promise<IdleFloors> {
  const { target, sampler, signal, clock, self } = window;
  const floorWindowMs = ms * FLOOR_WINDOW_SHARE;
  await sleep(ms - floorWindowMs, signal);
  const gcForced = target.canForceGc && !signal.aborted ? await target.forceGc() : false;
  const selfGcForced = self?.gc !== undefined && !signal.aborted ? self.gc() : false;
  const fromMs = clock();
  await sleep(floorWindowMs, signal);
  await sampler.sampleNow();
  await self?.sampler?.sampleNow();
  const toMs = clock();
  const selfFloors =
    self?.sampler === undefined ? {} : floorsBetween(self.sampler.store, fromMs, toMs, self.sampler.metrics);
  return { floors: floorsBetween(sampler.store, fromMs, toMs, sampler.metrics), gcForced, selfFloors, selfGcForced };
}
