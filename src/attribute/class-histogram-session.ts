import { errorMessage } from '../core/errors.js';
import { type ClassTotals, parseClassHistogram } from './class-histogram.js';
import type { FloorMark } from './node-heap-session.js';

// --attribute on a JVM broker: `jcmd PID GC.class_histogram` after every floor is read (baseline, each cycle,
// recovery). The histogram forces a full GC first, so it counts live objects only; taken after the floor window,
// its pause and jcmd's own start-up never fall inside one. Each one is parsed at once into bytes and instances per
// class (a few hundred kB of text), nothing is kept on disk.

interface ScenarioHistograms {
  baseline: Map<string, ClassTotals> | null;
  cycles: Map<number, Map<string, ClassTotals>>;
  recovery: Map<string, ClassTotals> | null;
}

/** One class's bytes and instances at each floor of a scenario, in its cycles' order. */
export interface ClassFloorSeries {
  name: string;
  bytes: number[];
  instances: number[];
  baselineBytes: number | null;
  recoveryBytes: number | null;
}

export class ClassHistogramSession {
  private readonly scenarios = new Map<number, ScenarioHistograms>();
  /** Set by the first histogram that failed: no more are taken, and attribution reports it. */
  failure: string | null = null;
  /** Histograms taken, and the bytes of text jcmd printed for them. */
  taken = 0;
  textBytes = 0;

  /** `take`: the text of `jcmd PID GC.class_histogram` (src/target/jvm-target.ts runJcmd), or a test's. */
  constructor(private readonly take: () => Promise<string>) {}

  private of(scenario: number): ScenarioHistograms {
    const existing = this.scenarios.get(scenario);
    if (existing !== undefined) return existing;
    const fresh: ScenarioHistograms = { baseline: null, cycles: new Map(), recovery: null };
    this.scenarios.set(scenario, fresh);
    return fresh;
  }

  /** Takes and parses the histogram of one floor; a failure is kept as a note, never thrown into the run. */
  async atFloor(mark: FloorMark): Promise<void> {
    if (this.failure !== null) return;
    try {
      const text = await this.take();
      this.taken++;
      this.textBytes += Buffer.byteLength(text);
      const totals = parseClassHistogram(text);
      const entry = this.of(mark.scenario);
      if (mark.phase === 'baseline') entry.baseline = totals;
      else if (mark.phase === 'recovery') entry.recovery = totals;
      else entry.cycles.set(mark.cycle ?? 0, totals);
    } catch (error) {
      const where = `the ${mark.phase} floor${mark.cycle === null ? '' : ` of cycle ${mark.cycle + 1}`}`;
      this.failure = `class histogram at ${where}: ${errorMessage(error)}`;
    }
  }

  /** Whether every cycle of the scenario has its histogram. */
  complete(scenario: number, cycleIndexes: readonly number[]): boolean {
    const entry = this.scenarios.get(scenario);
    return entry !== undefined && cycleIndexes.every((index) => entry.cycles.has(index));
  }

  /** Every class seen at any cycle floor of the scenario, with its bytes and instances per cycle (0 where absent). */
  series(scenario: number, cycleIndexes: readonly number[]): ClassFloorSeries[] {
    const entry = this.scenarios.get(scenario);
    if (entry === undefined) return [];
    const names = new Set<string>();
    for (const totals of entry.cycles.values()) for (const name of totals.keys()) names.add(name);
    return [...names].map((name) => ({
      name,
      bytes: cycleIndexes.map((index) => entry.cycles.get(index)?.get(name)?.bytes ?? 0),
      instances: cycleIndexes.map((index) => entry.cycles.get(index)?.get(name)?.instances ?? 0),
      baselineBytes: entry.baseline === null ? null : (entry.baseline.get(name)?.bytes ?? 0),
      recoveryBytes: entry.recovery === null ? null : (entry.recovery.get(name)?.bytes ?? 0),
    }));
  }
}
