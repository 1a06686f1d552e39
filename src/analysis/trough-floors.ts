// Cycle floors of a garbage-collected broker nobody can collect: post-GC troughs, over windows sized
// from the collections seen in the data.
//
// A garbage-collected broker collects while the load runs (allocation triggers collections) and
// hardly ever while it idles, so without a forced collection the settle window sees memory wherever
// the last burst of load left it on the GC sawtooth. Measured on Aedes (Node defaults) under
// connect-churn, 5,000 connects per cycle, no GC hook: settle floors spread over 19 MB, while the
// lowest reading over two cycles, load included, stayed within 1.5 MB. That lowest reading comes
// right after a collection: the broker's live memory, which is what a leak grows.

import { LOW_FLOOR_IGNORED_STRAYS } from './floors.js';
import { formatBytes } from '../core/format.js';
import { median, robustSigma, sortedFinite } from './quantile.js';
import { estimateGcPeriod, GC_DROP_SIGMAS, GC_MIN_DROPS, SOAK_WINDOW_GC_PERIODS } from './gc-rhythm.js';

/**
 * Longest trough window as a share of the measured cycles. A window of w cycles makes neighbouring
 * floors share w − 1 cycles of samples; past a quarter of the run (3 of 12 cycles) the floors are
 * a staircase of a few distinct troughs, too few for a slope.
 */
export const MAX_TROUGH_WINDOW_SHARE = 0.25;

/** The part of a cycle the trough floors need: when its load ran, when it ended, how many operations. */
export interface LoadCycle {
  startMs: number;
  loadEndMs: number;
  endMs: number;
  operations: number;
}

export interface TroughPlan {
  /** Falls of memory under load big enough to be collections. */
  collections: number;
  /**
   * GC period in operations (collections follow allocation, and allocation follows the operations); null without
   * collections.
   */
  gcPeriodOps: number | null;
  /**
   * The same period in ms of load at the run's average rate (idle time left out: a broker that does not allocate does
   * not collect).
   */
  gcPeriodMs: number | null;
  /** Longest run of operations between two collections. */
  longestGapOps: number | null;
  /** Cycles each trough window spans (the cycle itself and the ones before it); null: no trough floors. */
  windowCycles: number | null;
  /** Why trough floors are or are not possible, in words for the report. */
  why: string;
}

/** A fall of memory under load: where it started on the operations clock, and how far it fell. */
export interface Fall {
  ops: number;
  size: number;
}

/** Falls of at least `minDrop` in a series: consecutive decreases merged into one fall, placed at its first sample. */
export function findFalls(xs: readonly number[], values: readonly number[], minDrop: number): Fall[] {
  const falls: Fall[] = [];
  let size = 0;
  let at = 0;
  const close = (): void => {
    if (size > 0 && size >= minDrop) falls.push({ ops: at, size });
    size = 0;
  };
  for (let i = 1; i < values.length; i++) {
    const d = (values[i] as number) - (values[i - 1] as number);
    if (d < 0) {
      if (size === 0) at = xs[i] as number;
      size -= d;
    } else {
      close();
    }
  }
  close();
  return falls;
}

/**
 * Whether, and over how many cycles, trough floors can be taken. The samples taken while the load
 * ran are laid end to end on an operations clock (within a cycle the operations are spread evenly
 * over its load time: collections follow allocation, so their rhythm holds in operations even when
 * the load's speed varies from cycle to cycle). Collections must show: at least GC_MIN_DROPS falls
 * of at least `minDrop`, and of at least GC_DROP_SIGMAS robust sigmas of the sample-to-sample
 * differences (noise alone does not fall that far). A window must hold a collection wherever it lies, and two periods'
 * worth
 * so that its lowest reading is a deep trough, not a shallow one: it spans the longer of the
 * longest gap between collections and SOAK_WINDOW_GC_PERIODS GC periods (estimateGcPeriod, or the
 * median gap when the rhythm is irregular), rounded up to whole cycles. No collections (a C
 * broker: memory only goes down when its allocator hands pages back), or a window longer than
 * MAX_TROUGH_WINDOW_SHARE of the measured cycles: no trough floors.
 *
 * `minDrop` is the size of a fall that matters: the caller passes one cycle of threshold-sized
 * growth (δ × operations per cycle); a sawtooth smaller than that cannot move a settle floor by
 * enough to matter.
 */
export function planTroughFloors(
  cycles: readonly LoadCycle[],
  ts: readonly number[],
  values: readonly number[],
  measuredCycles: number,
  minDrop: number,
): TroughPlan {
  const loadOps: number[] = [];
  const loadV: number[] = [];
  let loadMs = 0;
  let operations = 0;
  for (const cycle of cycles) {
    const span = cycle.loadEndMs - cycle.startMs;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i] as number;
      if (t >= cycle.startMs && t <= cycle.loadEndMs && Number.isFinite(values[i])) {
        loadOps.push(operations + (span > 0 ? ((t - cycle.startMs) / span) * cycle.operations : 0));
        loadV.push(values[i] as number);
      }
    }
    loadMs += Math.max(0, span);
    operations += cycle.operations;
  }
  const differences: number[] = [];
  for (let i = 1; i < loadV.length; i++) differences.push((loadV[i] as number) - (loadV[i - 1] as number));
  const noise = differences.length > 0 ? robustSigma(differences) : 0;
  const smallest = Math.max(minDrop, GC_DROP_SIGMAS * (Number.isFinite(noise) ? noise : 0));
  const falls = findFalls(loadOps, loadV, smallest);
  const base = {
    collections: falls.length,
    gcPeriodOps: null,
    gcPeriodMs: null,
    longestGapOps: null,
    windowCycles: null,
  };
  if (falls.length < GC_MIN_DROPS) {
    return {
      ...base,
      why:
        `memory fell by ${formatBytes(smallest)} or more ` +
        `${falls.length === 0 ? 'never' : `only ${falls.length === 1 ? 'once' : `${falls.length} times`}`} ` +
        `under load: no collections to read troughs from`,
    };
  }
  const gaps: number[] = [];
  for (let k = 1; k < falls.length; k++) gaps.push((falls[k] as Fall).ops - (falls[k - 1] as Fall).ops);
  const longestGapOps = Math.max(...gaps);
  const gcPeriodOps = estimateGcPeriod(loadOps, loadV) ?? median(gaps);
  const gcPeriodMs = loadMs > 0 && operations > 0 ? gcPeriodOps / (operations / loadMs) : null;
  const opsPerCycle = median(cycles.map((cycle) => cycle.operations).filter((n) => n > 0));
  const found = { ...base, gcPeriodOps, gcPeriodMs, longestGapOps };
  const every =
    `collections every ~${Math.round(gcPeriodOps).toLocaleString('en-US')} operations under ` +
    `load (longest gap ${Math.round(longestGapOps).toLocaleString('en-US')})`;
  if (!(opsPerCycle > 0)) return { ...found, why: `${every}, but no operations per cycle` };
  const windowCycles = Math.max(
    1,
    Math.ceil(Math.max(longestGapOps, SOAK_WINDOW_GC_PERIODS * gcPeriodOps) / opsPerCycle),
  );
  const maxWindow = Math.max(1, Math.floor(MAX_TROUGH_WINDOW_SHARE * measuredCycles));
  if (windowCycles > maxWindow)
    return {
      ...found,
      why: `${every}: a window of ${windowCycles} cycles is too long for ${measuredCycles} measured cycles`,
    };
  return { ...found, windowCycles, why: every };
}

/**
 * The trough floor of each cycle: a low value of every sample from the start of the cycle
 * `windowCycles − 1` before it to the end of this one (load and settle). The lowest reading is
 * ignored as a possible stray, like lowFloor does (LOW_FLOOR_IGNORED_STRAYS); a post-GC trough
 * lasts several samples. Null for a cycle whose window holds no finite sample.
 */
export function troughFloors(
  cycles: readonly LoadCycle[],
  ts: readonly number[],
  values: readonly number[],
  windowCycles: number,
): (number | null)[] {
  const w = Math.max(1, Math.floor(windowCycles));
  return cycles.map((cycle, k) => {
    const from = (cycles[Math.max(0, k - w + 1)] as LoadCycle).startMs;
    const inWindow: number[] = [];
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i] as number;
      if (t >= from && t <= cycle.endMs) inWindow.push(values[i] as number);
    }
    const sorted = sortedFinite(inWindow);
    if (sorted.length === 0) return null;
    return sorted[
      Math.min(sorted.length - 1, sorted.length > LOW_FLOOR_IGNORED_STRAYS + 1 ? LOW_FLOOR_IGNORED_STRAYS : 0)
    ] as number;
  });
}
