// Seeded synthetic series for the analysis tests and the verdict benchmark.
// Every series is a pure function of its options (seed included): no Math.random, no clocks.

import { lowFloor } from '../../src/analysis/floors.js';
import type { CycleFloor, MetricSeries } from '../../src/core/verdict-types.js';

/** mulberry32: a tiny, fast 32-bit PRNG; good enough for noise, fully determined by its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates by Box–Muller from a uniform source. */
export function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Components of a memory series; a series is the sum of its components plus noise. */
export type BytesShape =
  /** Nothing but noise. */
  | { kind: 'flat' }
  /**
   * GC sawtooth: memory climbs by `amplitude` over `periodCycles` cycles then drops (a collection); floors sample it.
   */
  | { kind: 'sawtooth'; amplitude: number; periodCycles: number }
  /**
   * Warm-up: exponential approach to `amplitude` (negative: from above) with time constant `tauCycles` from load start.
   */
  | { kind: 'warmup'; amplitude: number; tauCycles: number }
  /** A cache that fills at a steady rate for `fillCycles` cycles from load start, then stops; kept in recovery. */
  | { kind: 'saturating'; amplitude: number; fillCycles: number }
  /** A one-off jump of `size` before measured cycle `atMeasuredCycle` (0-based), flat after; kept in recovery. */
  | { kind: 'step'; size: number; atMeasuredCycle: number }
  /** A leak: `bytesPerOp` per operation, kept in recovery. */
  | { kind: 'leak'; bytesPerOp: number }
  /** Grows like a leak under load, given back in recovery (a queue drained when clients leave). */
  | { kind: 'transient'; bytesPerOp: number }
  /** Serially correlated drift of the level: a Gaussian AR(1) per cycle with standard deviation `sd` and lag-1 correlation `rho`. */
  | { kind: 'ar1'; sd: number; rho: number }
  /** A leak that starts late: `bytesPerOp` per operation from measured cycle `fromMeasuredCycle` (0-based) on, kept in recovery. */
  | { kind: 'late-leak'; bytesPerOp: number; fromMeasuredCycle: number };

export interface BytesSeriesOptions {
  seed: number;
  shapes: BytesShape[];
  /** Standard deviation of each raw sample, bytes. Floors are lowFloor() of the settle samples. */
  noise: number;
  warmupCycles?: number;
  measuredCycles?: number;
  opsPerCycle?: number;
  cycleMs?: number;
  /** Level of the idle broker, bytes. */
  base?: number;
  /** Samples per settle window (the last 30 % of each cycle). */
  settleSamples?: number;
  /** Chance that a sample is a stray low misreading (lowFloor should ignore one). */
  strayRate?: number;
  /** Chance that a cycle's floor is missing (null). */
  missingRate?: number;
  metric?: string;
}

export const SYNTHETIC_DEFAULTS = {
  warmupCycles: 3,
  measuredCycles: 12,
  opsPerCycle: 2000,
  cycleMs: 1000,
  base: 64 * 1024 * 1024,
  settleSamples: 5,
} as const;

/** Where in a cycle (fraction of it) the settle window starts. */
const SETTLE_START = 0.7;

export function bytesSeries(o: BytesSeriesOptions): MetricSeries {
  const rand = mulberry32(o.seed);
  const gauss = gaussian(rand);
  const warmupCycles = o.warmupCycles ?? SYNTHETIC_DEFAULTS.warmupCycles;
  const measuredCycles = o.measuredCycles ?? SYNTHETIC_DEFAULTS.measuredCycles;
  const opc = o.opsPerCycle ?? SYNTHETIC_DEFAULTS.opsPerCycle;
  const cycleMs = o.cycleMs ?? SYNTHETIC_DEFAULTS.cycleMs;
  const base = o.base ?? SYNTHETIC_DEFAULTS.base;
  const settleSamples = o.settleSamples ?? SYNTHETIC_DEFAULTS.settleSamples;
  const strayRate = o.strayRate ?? 0;
  const total = warmupCycles + measuredCycles;
  const phases = o.shapes.map(() => rand());
  // AR(1) paths, one value per cycle and one for recovery; drawn only when asked for, so older series keep their
  // values.
  const drifts = o.shapes.map((s) => {
    if (s.kind !== 'ar1') return [];
    const path: number[] = [];
    let e = gauss();
    for (let c = 0; c <= total; c++) {
      path.push(s.sd * e);
      e = s.rho * e + Math.sqrt(1 - s.rho * s.rho) * gauss();
    }
    return path;
  });

  /** Level at load time u (in cycles since load start), ops done `ops`; recovery: idle after the run. */
  const level = (u: number, ops: number, cycle: number, recovery: boolean): number => {
    let v = base;
    o.shapes.forEach((s, k) => {
      switch (s.kind) {
        case 'flat':
          break;
        case 'sawtooth': {
          if (recovery) break; // an idle broker collects: back to the trough
          const pos = u / s.periodCycles + (phases[k] as number);
          v += s.amplitude * (pos - Math.floor(pos));
          break;
        }
        case 'warmup':
          v += s.amplitude * (1 - Math.exp(-(recovery ? total : cycle + 1) / s.tauCycles));
          break;
        case 'saturating':
          v += s.amplitude * Math.min(1, (recovery ? total : cycle + 1) / s.fillCycles);
          break;
        case 'step':
          if (recovery || cycle >= warmupCycles + s.atMeasuredCycle) v += s.size;
          break;
        case 'leak':
          v += s.bytesPerOp * ops;
          break;
        case 'transient':
          if (!recovery) v += s.bytesPerOp * ops;
          break;
        case 'ar1':
          v += (drifts[k] as number[])[recovery ? total : cycle] as number;
          break;
        case 'late-leak': {
          const from = (warmupCycles + s.fromMeasuredCycle) * opc;
          v += s.bytesPerOp * Math.max(0, ops - from);
          break;
        }
      }
    });
    return v;
  };

  const sample = (mean: number): number => {
    if (strayRate > 0 && rand() < strayRate) return mean - 20 * Math.max(o.noise, 1024 * 1024);
    return mean + o.noise * gauss();
  };
  const settleFloor = (cycle: number, ops: number, recovery: boolean): number | null => {
    const values: number[] = [];
    for (let j = 0; j < settleSamples; j++) {
      const u = cycle + SETTLE_START + ((1 - SETTLE_START) * j) / Math.max(1, settleSamples - 1);
      values.push(sample(level(u, ops, cycle, recovery)));
    }
    return lowFloor(values);
  };

  const baselineFloor = lowFloor(Array.from({ length: settleSamples }, () => sample(base)));
  const cycles: CycleFloor[] = [];
  for (let c = 0; c < total; c++) {
    const ops = (c + 1) * opc;
    const floor = settleFloor(c, ops, false);
    const missing = (o.missingRate ?? 0) > 0 && rand() < (o.missingRate ?? 0);
    cycles.push({
      index: c,
      warmup: c < warmupCycles,
      cumulativeOps: ops,
      floor: missing ? null : floor,
      endMs: (c + 1) * cycleMs,
    });
  }
  const recoveryFloor = settleFloor(total, total * opc, true);
  return { metric: o.metric ?? 'rss', kind: 'bytes', unit: 'B', cycles, baselineFloor, recoveryFloor, issues: [] };
}

export interface CountSeriesOptions {
  seed: number;
  /** Idle count (fds or threads). */
  base?: number;
  warmupCycles?: number;
  measuredCycles?: number;
  opsPerCycle?: number;
  cycleMs?: number;
  /** One unit leaked every this many operations; undefined: no leak. */
  leakEveryOps?: number;
  /** Chance that a floor shows +1: a connection still closing when it was read. */
  closingProb?: number;
  /** A one-off jump of `size` units before measured cycle `atMeasuredCycle`. */
  step?: { size: number; atMeasuredCycle: number };
  /** Units a pool adds over the warm-up cycles (then stays). */
  warmupRise?: number;
  /** The leaked units come back in recovery (a transient, not a leak). */
  returnsInRecovery?: boolean;
  metric?: string;
  unit?: string;
}

export function countSeries(o: CountSeriesOptions): MetricSeries {
  const rand = mulberry32(o.seed);
  const base = o.base ?? 20;
  const warmupCycles = o.warmupCycles ?? SYNTHETIC_DEFAULTS.warmupCycles;
  const measuredCycles = o.measuredCycles ?? SYNTHETIC_DEFAULTS.measuredCycles;
  const opc = o.opsPerCycle ?? SYNTHETIC_DEFAULTS.opsPerCycle;
  const cycleMs = o.cycleMs ?? SYNTHETIC_DEFAULTS.cycleMs;
  const total = warmupCycles + measuredCycles;
  const closing = o.closingProb ?? 0;
  const leaked = (ops: number): number => (o.leakEveryOps === undefined ? 0 : Math.floor(ops / o.leakEveryOps));
  const levelAt = (c: number, ops: number): number => {
    let v = base + leaked(ops);
    if (o.warmupRise !== undefined)
      v += Math.round((o.warmupRise * Math.min(c + 1, warmupCycles)) / Math.max(1, warmupCycles));
    if (o.step !== undefined && c >= warmupCycles + o.step.atMeasuredCycle) v += o.step.size;
    return v;
  };
  const cycles: CycleFloor[] = [];
  for (let c = 0; c < total; c++) {
    const ops = (c + 1) * opc;
    const floor = levelAt(c, ops) + (rand() < closing ? 1 : 0);
    cycles.push({ index: c, warmup: c < warmupCycles, cumulativeOps: ops, floor, endMs: (c + 1) * cycleMs });
  }
  let recoveryFloor = levelAt(total, total * opc);
  if (o.returnsInRecovery === true) recoveryFloor -= leaked(total * opc);
  return {
    metric: o.metric ?? 'fds',
    kind: 'count',
    unit: o.unit ?? 'fds',
    cycles,
    baselineFloor: base,
    recoveryFloor,
    issues: [],
  };
}

/** A raw GC sawtooth sampled every `sampleMs`: for estimateGcPeriod / windowMinima tests. */
export function rawSawtooth(o: {
  seed: number;
  periodMs: number;
  amplitude: number;
  noise: number;
  sampleMs: number;
  durationMs: number;
  leakPerMs?: number;
  /** Relative jitter of each GC period (0.1: ±10 %). */
  jitter?: number;
}): { ts: number[]; values: number[] } {
  const rand = mulberry32(o.seed);
  const gauss = gaussian(rand);
  const ts: number[] = [];
  const values: number[] = [];
  let nextGc = o.periodMs * (0.3 + 0.7 * rand());
  let lastGc = nextGc - o.periodMs;
  for (let t = 0; t <= o.durationMs; t += o.sampleMs) {
    while (t >= nextGc) {
      lastGc = nextGc;
      nextGc += o.periodMs * (1 + (o.jitter ?? 0) * (2 * rand() - 1));
    }
    const ramp = o.amplitude * Math.min(1, (t - lastGc) / o.periodMs);
    ts.push(t);
    values.push(100 * 1024 * 1024 + (o.leakPerMs ?? 0) * t + ramp + o.noise * gauss());
  }
  return { ts, values };
}

/**
 * A garbage-collected broker under the cycle run model, sampled raw, with nobody forcing a
 * collection: during each cycle's load memory climbs with the garbage the operations make and
 * drops back to the live level at a collection every `gcEveryOps` operations (±`jitter`); while it
 * idles (settle) nothing is allocated or collected, so memory stays wherever the load left it.
 * Live memory grows `leakPerOp` bytes per operation. For the trough-floor tests.
 */
export function cycledGcSeries(o: {
  seed: number;
  cycles: number;
  opsPerCycle: number;
  /** Load time of one cycle, ms (the rate is opsPerCycle / loadMs). */
  loadMs: number;
  settleMs: number;
  sampleMs: number;
  gcEveryOps: number;
  /** Garbage made per operation, bytes: the sawtooth's height is gcEveryOps × garbagePerOp. */
  garbagePerOp: number;
  leakPerOp?: number;
  noise: number;
  jitter?: number;
}): {
  cycles: { startMs: number; loadEndMs: number; endMs: number; operations: number; cumulativeOps: number }[];
  ts: number[];
  values: number[];
} {
  const rand = mulberry32(o.seed);
  const gauss = gaussian(rand);
  const base = 100 * 1024 * 1024;
  const leak = o.leakPerOp ?? 0;
  const nextGap = (): number => o.gcEveryOps * (1 + (o.jitter ?? 0) * (2 * rand() - 1));
  const cycles: { startMs: number; loadEndMs: number; endMs: number; operations: number; cumulativeOps: number }[] = [];
  const ts: number[] = [];
  const values: number[] = [];
  let t = 0;
  let ops = 0;
  let garbageOps = o.gcEveryOps * rand(); // where on its sawtooth the run starts
  let untilGc = nextGap() - garbageOps;
  const opsPerMs = o.opsPerCycle / o.loadMs;
  for (let c = 0; c < o.cycles; c++) {
    const startMs = t;
    const loadEndMs = startMs + o.loadMs;
    const endMs = loadEndMs + o.settleMs;
    for (; t < endMs; t += o.sampleMs) {
      if (t < loadEndMs) {
        const step = Math.min(o.sampleMs, loadEndMs - t) * opsPerMs;
        ops += step;
        garbageOps += step;
        untilGc -= step;
        while (untilGc <= 0) {
          // The collection happened -untilGc operations ago: that much garbage has built up since.
          garbageOps = Math.min(garbageOps, -untilGc);
          untilGc += nextGap();
        }
      }
      ts.push(t);
      values.push(base + leak * ops + o.garbagePerOp * garbageOps + o.noise * gauss());
    }
    t = endMs;
    cycles.push({ startMs, loadEndMs, endMs, operations: o.opsPerCycle, cumulativeOps: Math.round(ops) });
  }
  return { cycles, ts, values };
}
