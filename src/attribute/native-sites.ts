import path from 'node:path';
import { replayTrace, type InstructionPointer, type TraceStack } from './heaptrack-trace.js';

// From a heaptrack trace to per-site series: the live bytes of each call stack at each floor of each scenario.

/**
 * Cut this long before a cycle's end: the floor window ends idle, and the next cycle's load starts right after
 * `endMs`; heaptrack's timestamps come every ~10 ms, so a cut at the very end could take in the next load's first
 * allocations.
 */
export const CUT_BEFORE_END_MS = 100;
/** Frames of a stack kept in the report: enough to see the path from the allocator up to the broker's logic. */
export const MAX_REPORTED_FRAMES = 16;
/** Allocator wrappers skipped when naming a site: the name should be the code that asked for the memory. */
const ALLOCATOR_WRAPPER = /(^|_)(malloc|calloc|realloc|reallocarray|strn?dup|alloc|xmalloc)$|^operator new|^__libc_/i;

/** When a scenario's floors were taken, on the run's clock (ms since the run started). */
export interface ScenarioFloorTimes {
  cycleEndsMs: number[];
  baselineEndMs: number | null;
  recoveryEndMs: number | null;
}

export interface SiteFloors {
  key: string;
  label: string;
  frames: string[];
  symbolized: boolean;
  floors: number[];
  baseline: number | null;
  recovery: number | null;
  /** Distinct stacks merged into this site (same allocating function). */
  stacks: number;
}

export interface NativeSites {
  /** Per scenario, in the order given. */
  scenarios: SiteFloors[][];
  /** Lines of the trace read. */
  lines: number;
  /** False when the trace ended before some floor (the broker died, or heaptrack stopped early). */
  reachedAll: boolean;
  /** False when it ended before the first floor: nothing was measured under load. */
  reachedAny: boolean;
}

function frameText(ip: InstructionPointer): string[] {
  const module = ip.module === null ? '??' : path.basename(ip.module);
  if (ip.frames.length === 0) return [`0x${ip.address} in ${module}`];
  return ip.frames.map((frame) => {
    const name = frame.function ?? `0x${ip.address}`;
    const where = frame.file !== null && frame.line !== null && frame.line > 0 ? ` (${frame.file}:${frame.line})` : '';
    return `${name}${where} in ${module}`;
  });
}

function describeStack(stack: TraceStack): { frames: string[]; label: string; symbolized: boolean } {
  const frames = stack.ips.flatMap(frameText).slice(0, MAX_REPORTED_FRAMES);
  const named = stack.ips.flatMap((ip) => ip.frames.map((frame) => frame.function)).filter((fn) => fn !== null);
  const label = named.find((fn) => !ALLOCATOR_WRAPPER.test(fn)) ?? frames[0] ?? '(empty stack)';
  return { frames, label, symbolized: named.length > 0 };
}

/**
 * Stacks that name the same function as the one asking for memory are one site: a function that allocates a node
 * and its key (calloc, then malloc, from two lines) grows as one; its frames are those of its biggest stack.
 */
function mergeByLabel(stacks: readonly SiteFloors[]): SiteFloors[] {
  const byLabel = new Map<string, { site: SiteFloors; biggest: number }>();
  for (const stack of stacks) {
    const last = stack.floors.at(-1) ?? 0;
    const known = byLabel.get(stack.label);
    if (known === undefined) {
      byLabel.set(stack.label, { site: { ...stack, floors: [...stack.floors], stacks: 1 }, biggest: last });
      continue;
    }
    const site = known.site;
    site.floors = site.floors.map((value, k) => value + (stack.floors[k] ?? 0));
    site.baseline = site.baseline === null ? stack.baseline : site.baseline + (stack.baseline ?? 0);
    site.recovery = site.recovery === null ? stack.recovery : site.recovery + (stack.recovery ?? 0);
    site.stacks += 1;
    if (last > known.biggest) {
      known.biggest = last;
      site.frames = stack.frames;
      site.key = stack.key;
    }
  }
  return [...byLabel.values()].map((entry) => entry.site);
}

/**
 * Replays the trace once for every scenario's floors. `originMs`: the run-clock time heaptrack started in the
 * broker (its timestamps count from there).
 */
export async function nativeSites(
  traceFile: string,
  originMs: number,
  scenarios: readonly ScenarioFloorTimes[],
): Promise<NativeSites> {
  // Every cut of every scenario, in time order, remembering where each belongs.
  const wanted: { at: number; scenario: number; slot: number }[] = [];
  scenarios.forEach((times, scenario) => {
    for (const [slot, end] of times.cycleEndsMs.entries()) wanted.push({ at: end - CUT_BEFORE_END_MS, scenario, slot });
    if (times.baselineEndMs !== null) wanted.push({ at: times.baselineEndMs - CUT_BEFORE_END_MS, scenario, slot: -1 });
    if (times.recoveryEndMs !== null) wanted.push({ at: times.recoveryEndMs - CUT_BEFORE_END_MS, scenario, slot: -2 });
  });
  wanted.sort((a, b) => a.at - b.at);
  const replay = await replayTrace(
    traceFile,
    wanted.map((cut) => Math.max(0, cut.at - originMs)),
  );

  const described = new Map<number, ReturnType<typeof describeStack>>();
  const describe = (trace: number): ReturnType<typeof describeStack> => {
    let known = described.get(trace);
    if (known === undefined) {
      known = describeStack(replay.stackOf(trace));
      described.set(trace, known);
    }
    return known;
  };
  const results: SiteFloors[][] = [];
  for (let scenario = 0; scenario < scenarios.length; scenario++) {
    const times = scenarios[scenario] as ScenarioFloorTimes;
    // Stacks that read the same once cut to MAX_REPORTED_FRAMES are one site.
    const byKey = new Map<string, SiteFloors>();
    wanted.forEach((cut, k) => {
      if (cut.scenario !== scenario) return;
      for (const [trace, bytes] of replay.liveByCut[k] ?? new Map<number, number>()) {
        const stack = describe(trace);
        const key = stack.frames.join(' < ');
        let site = byKey.get(key);
        if (site === undefined) {
          site = {
            key,
            ...stack,
            floors: times.cycleEndsMs.map(() => 0),
            baseline: times.baselineEndMs === null ? null : 0,
            recovery: times.recoveryEndMs === null ? null : 0,
            stacks: 1,
          };
          byKey.set(key, site);
        }
        if (cut.slot === -1) site.baseline = (site.baseline ?? 0) + bytes;
        else if (cut.slot === -2) site.recovery = (site.recovery ?? 0) + bytes;
        else site.floors[cut.slot] = (site.floors[cut.slot] ?? 0) + bytes;
      }
    });
    results.push(mergeByLabel([...byKey.values()]));
  }
  return {
    scenarios: results,
    lines: replay.lines,
    reachedAll: replay.reached.every(Boolean),
    reachedAny: replay.reached.some(Boolean),
  };
}
