// Seeded synthetic runs of a pattern that rotates variant families, one per measured cycle: the cycles
// and samples of a whole scenario recording, for the per-family verdict's tests and benchmark.
// Every run is a pure function of its options (seed included).

import type { Sample } from '../../src/core/metrics.js';
import type { ScenarioRecording } from '../../src/core/recording.js';
import type { CycleReport } from '../../src/core/report-model.js';
import { gaussian, mulberry32 } from './synthetic.js';

export interface FamilyRunOptions {
  seed: number;
  families: number;
  /** Measured cycles (one family each, families[index % families]); warm-up cycles mix every family. */
  measuredCycles: number;
  warmupCycles?: number;
  opsPerCycle?: number;
  /** Standard deviation of each cycle's floor, bytes (the floor's noise, not a sample's). */
  floorNoise: number;
  /** Bytes per operation each family leaks (index → B/op); the others leak nothing. */
  leaks?: Record<number, number>;
  /** A one-off jump of `size` bytes at measured cycle `at` (0-based). */
  step?: { at: number; size: number };
  /** Family `family` holds `bytesPerOp` during its cycle and gives it back in the next cycle. */
  transient?: { family: number; bytesPerOp: number };
}

export const familyName = (k: number): string => `family-${String(k).padStart(2, '0')}`;

const BASE = 32 * 1024 * 1024;
const CYCLE_MS = 1000;
const SAMPLES_PER_CYCLE = 4;

/** The recording and samples of one synthetic run, ready for judgeScenario. */
export function familyRun(options: FamilyRunOptions): { recording: ScenarioRecording; samples: Sample[] } {
  const rand = gaussian(mulberry32(options.seed));
  const warmup = options.warmupCycles ?? 3;
  const ops = options.opsPerCycle ?? 1000;
  const total = warmup + options.measuredCycles;
  const cycles: CycleReport[] = [];
  const samples: Sample[] = [];
  let level = BASE;
  let held = 0;
  let cumulative = 0;
  for (let index = 0; index < total; index++) {
    const isWarmup = index < warmup;
    const family = isWarmup ? null : index % options.families;
    if (family === null) {
      for (const perOp of Object.values(options.leaks ?? {})) level += (perOp * ops) / options.families;
    } else {
      level += (options.leaks?.[family] ?? 0) * ops;
    }
    if (options.step !== undefined && index === warmup + options.step.at) level += options.step.size;
    held = family !== null && options.transient?.family === family ? options.transient.bytesPerOp * ops : 0;
    cumulative += ops;
    const floor = level + held + options.floorNoise * rand();
    const startMs = index * CYCLE_MS;
    for (let s = 0; s < SAMPLES_PER_CYCLE; s++) {
      samples.push({
        t: startMs + ((s + 1) * CYCLE_MS) / (SAMPLES_PER_CYCLE + 1),
        lateMs: 0,
        values: { 'proc.rss': floor },
      });
    }
    cycles.push({
      index,
      warmup: isWarmup,
      startMs,
      loadEndMs: startMs + CYCLE_MS / 2,
      endMs: startMs + CYCLE_MS,
      operations: ops,
      cumulativeOps: cumulative,
      failures: 0,
      failureKinds: {},
      gcForced: false,
      floors: { 'proc.rss': floor },
      ...(family === null ? {} : { variant: familyName(family) }),
    });
  }
  const endMs = total * CYCLE_MS;
  const recording: ScenarioRecording = {
    startMs: 0,
    endMs: endMs + CYCLE_MS,
    phases: [
      { name: 'warmup', startMs: 0, endMs: warmup * CYCLE_MS },
      { name: 'measured', startMs: warmup * CYCLE_MS, endMs },
      { name: 'recovery', startMs: endMs, endMs: endMs + CYCLE_MS },
    ],
    cycles,
    baselineFloors: { 'proc.rss': BASE },
    recoveryFloors: { 'proc.rss': level },
    failureKinds: {},
    facts: { checks: {}, answers: {}, observations: {} },
    error: null,
  };
  samples.push({ t: endMs + CYCLE_MS / 2, lateMs: 0, values: { 'proc.rss': level } });
  return { recording, samples };
}
