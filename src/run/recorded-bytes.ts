import type { CycleReport } from '../report/model.js';
import type { Sample } from '../sample/metrics.js';
import { forceSelfGc } from './self-gc.js';

// mqleak keeps every sample for the report, so its own live heap grows with time by design: about
// 200 B per sample object of the six /proc figures (measured: 203 B each over 200,000), far more
// once a sample holds dozens of figures (V8 turns such objects into dictionaries: ~1.5 KB at 24).
// Two samplers at 10 a second make that ~4 KB/s. Against a fast scenario it is a few bytes per
// operation; against a slow one (bridge-churn: a few reconnects a second) it is kilobytes per
// operation and would read as a leak of mqleak's. The cycle records are kept too (~1 KB each, more
// with a bridge's per-reconnect figures). The self-check therefore measures what this run's samples
// and cycles really cost and raises node.liveHeap's δ by that much per operation.

/** Copies measured: enough that the heap's own noise (a few KB after a forced collection) is under 5 %. */
const CALIBRATION_COPIES = 2000;
/** The copies take the shapes of the run's latest samples: this many of them, cycled. */
const CALIBRATION_TEMPLATES = 32;
/**
 * A copy is built like the original but may not end up with exactly its layout in V8: the allowance
 * is taken this much larger, so the samples alone never make a self LEAK.
 */
export const RECORDED_BYTES_SAFETY = 1.25;

/**
 * Measurements taken, keeping the largest: a collection between the two readings can also free garbage
 * that was not yet collectable at the first one (seen: 0 B per cycle record now and then), which only
 * ever makes a measurement too small.
 */
const CALIBRATION_ATTEMPTS = 3;

/** Bytes one retained object like the templates costs in the heap, measured on fresh copies; null when no GC could be forced. */
function measureCopies<T>(templates: readonly T[], copy: (template: T, k: number) => T, count: number): number | null {
  if (templates.length === 0 || count <= 0) return null;
  let largest: number | null = null;
  for (let attempt = 0; attempt < CALIBRATION_ATTEMPTS; attempt++) {
    if (!forceSelfGc()) return null;
    const before = process.memoryUsage().heapUsed;
    const copies: T[] = [];
    for (let k = 0; k < count; k++) copies.push(copy(templates[k % templates.length] as T, k));
    forceSelfGc();
    const perCopy = Math.max(0, (process.memoryUsage().heapUsed - before) / copies.length);
    largest = Math.max(largest ?? 0, perCopy);
  }
  return largest;
}

/** Bytes one retained sample like these costs in the heap; null when no GC could be forced. */
export function measureSampleBytes(samples: readonly Sample[]): number | null {
  return measureCopies(samples.slice(-CALIBRATION_TEMPLATES), (template, k) => ({ t: template.t + k, lateMs: template.lateMs, values: { ...template.values } }), CALIBRATION_COPIES);
}

/** Cycles are kept too (floors, failure kinds, a bridge's per-reconnect figures): fewer copies, they are bigger. */
const CYCLE_CALIBRATION_COPIES = 200;

/** Bytes one retained cycle record like these costs; null when no GC could be forced. */
export function measureCycleBytes(cycles: readonly CycleReport[]): number | null {
  return measureCopies(cycles.slice(-CALIBRATION_TEMPLATES), (template) => structuredClone(template), CYCLE_CALIBRATION_COPIES);
}

/** Samples and cycle records kept over the measured cycles, in bytes per measured operation (with the safety margin). */
export function recordedBytesPerOp(cycles: readonly CycleReport[], recorded: readonly { samples: readonly Sample[]; bytesPerSample: number }[], bytesPerCycle = 0): number {
  const measured = cycles.filter((cycle) => !cycle.warmup);
  const first = measured[0];
  const last = measured.at(-1);
  const operations = measured.reduce((sum, cycle) => sum + cycle.operations, 0);
  if (first === undefined || last === undefined || operations <= 0) return 0;
  const bytes = recorded.reduce((sum, { samples, bytesPerSample }) => sum + samples.filter((sample) => sample.t >= first.startMs && sample.t <= last.endMs).length * bytesPerSample, 0);
  return ((bytes + measured.length * bytesPerCycle) * RECORDED_BYTES_SAFETY) / operations;
}
