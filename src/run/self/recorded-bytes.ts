import type { CycleReport } from '../../core/report-model.js';
import type { Sample } from '../../core/metrics.js';
import { CHUNK_SAMPLES, SampleStore } from '../../core/sample-store.js';
import { forceSelfGc } from './self-gc.js';

// mqleak keeps every sample for the report. Kept as JS objects they grew its live heap by design (about
// 200 B each with six figures, ~1.5 KB with dozens): ~16 MB/h for two samplers at 10 a second, which
// against a slow scenario would read as a leak of mqleak's. They now live in a SampleStore: columns in
// typed arrays, full chunks encoded, off the V8 heap (their size is the self metric node.sampleStore).
// What they still cost the heap (the store's few objects per chunk) is small but measured, not assumed:
// the self-check copies the run's latest samples into a scratch store, measures the heap it takes per
// sample, and raises node.liveHeap's δ by that much per operation. The cycle records are kept as objects
// (~1 KB each, more with a bridge's per-reconnect figures), measured the same way.

/**
 * Samples copied into the scratch store: 32 full chunks, so the per-chunk objects are in the figure and
 * the heap's own noise is diluted. Measured (8 attempts, 5 processes): with 8 chunks the figure
 * wandered between −15 and +12 B per sample around a true ~1 B (compiled code and feedback land in the
 * heap too); with 32 chunks, after one unmeasured pass, between 0.07 and 3.2 B.
 */
const CALIBRATION_SAMPLES = CHUNK_SAMPLES * 32;
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

/**
 * Heap bytes per item of what `keep` builds and holds (an array of copies, a scratch store): the largest
 * of CALIBRATION_ATTEMPTS measurements, after `unmeasured` passes that are not counted; null when no GC
 * could be forced. The holder is read after the second collection, so what it holds is still alive then.
 */
function measureRetained(keep: () => { readonly length: number }, unmeasured = 0): number | null {
  let largest: number | null = null;
  for (let attempt = 0; attempt < unmeasured + CALIBRATION_ATTEMPTS; attempt++) {
    if (!forceSelfGc()) return null;
    const before = process.memoryUsage().heapUsed;
    const held = keep();
    forceSelfGc();
    const perItem = Math.max(0, (process.memoryUsage().heapUsed - before) / Math.max(1, held.length));
    if (attempt >= unmeasured) largest = Math.max(largest ?? 0, perItem);
  }
  return largest;
}

/**
 * Bytes one retained object like the templates costs in the heap, measured on fresh copies; null when no GC could be
 * forced.
 */
function measureCopies<T>(templates: readonly T[], copy: (template: T, k: number) => T, count: number): number | null {
  if (templates.length === 0 || count <= 0) return null;
  return measureRetained(() => Array.from({ length: count }, (_, k) => copy(templates[k % templates.length] as T, k)));
}

/** Heap bytes one sample like the store's latest costs once kept in a SampleStore; null when no GC could be forced. */
export function measureSampleBytes(store: SampleStore): number | null {
  const templates = store.tail(CALIBRATION_TEMPLATES);
  if (templates.length === 0) return null;
  // One pass is not counted: it compiles the store's code, whose bytes are not the samples'.
  return measureRetained(() => {
    const scratch = new SampleStore();
    for (let k = 0; k < CALIBRATION_SAMPLES; k++) {
      const template = templates[k % templates.length] as Sample;
      scratch.append({ t: template.t + k, lateMs: template.lateMs, values: { ...template.values } });
    }
    return scratch;
  }, 1);
}

/** Cycles are kept too (floors, failure kinds, a bridge's per-reconnect figures): fewer copies, they are bigger. */
const CYCLE_CALIBRATION_COPIES = 200;

/** Bytes one retained cycle record like these costs; null when no GC could be forced. */
export function measureCycleBytes(cycles: readonly CycleReport[]): number | null {
  return measureCopies(
    cycles.slice(-CALIBRATION_TEMPLATES),
    (template) => structuredClone(template),
    CYCLE_CALIBRATION_COPIES,
  );
}

/**
 * Samples and cycle records kept over the measured cycles, in bytes per measured operation (with the safety margin).
 */
export function recordedBytesPerOp(
  cycles: readonly CycleReport[],
  recorded: readonly { samples: Pick<SampleStore, 'countBetween'>; bytesPerSample: number }[],
  bytesPerCycle = 0,
): number {
  const measured = cycles.filter((cycle) => !cycle.warmup);
  const first = measured[0];
  const last = measured.at(-1);
  const operations = measured.reduce((sum, cycle) => sum + cycle.operations, 0);
  if (first === undefined || last === undefined || operations <= 0) return 0;
  const bytes = recorded.reduce(
    (sum, { samples, bytesPerSample }) => sum + samples.countBetween(first.startMs, last.endMs) * bytesPerSample,
    0,
  );
  return ((bytes + measured.length * bytesPerCycle) * RECORDED_BYTES_SAFETY) / operations;
}
