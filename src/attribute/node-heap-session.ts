import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../core/errors.js';
import {
  type ConstructorTotals,
  type HeapSnapshotJson,
  maxObjectId,
  retainerPaths,
  summarizeSnapshot,
} from './heap-snapshot.js';

// --attribute on a Node broker: a V8 heap snapshot at every floor (baseline, each cycle, recovery), each one
// summarized into bytes and count per constructor as soon as it is written and then deleted, so at most two
// snapshot files exist at a time (the newest cycle's is kept for the retainer paths).

/**
 * A snapshot is parsed whole (JSON.parse): past this size it would cost mqleak more memory than the broker
 * under test holds, and attribution stops with a note instead.
 */
export const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

/** Where a snapshot was taken: which scenario, which floor. */
export interface FloorMark {
  scenario: number;
  phase: 'baseline' | 'cycle' | 'recovery';
  /** The cycle's index (phase `cycle` only). */
  cycle: number | null;
}

/** Writes one heap snapshot of the broker to a file: over IPC (embedded broker) or the inspector (spawned node). */
export type SnapshotWriter = (file: string) => Promise<void>;

interface ScenarioSnapshots {
  baseline: Map<string, ConstructorTotals> | null;
  cycles: Map<number, Map<string, ConstructorTotals>>;
  recovery: Map<string, ConstructorTotals> | null;
  /** The newest cycle floor's snapshot, kept for the retainer paths. */
  lastFile: string | null;
  /** Highest object id at the first floor: instances above it were made during the load. */
  firstMaxId: number | null;
}

/** One constructor's bytes and count at each floor of a scenario, in its cycles' order. */
export interface ConstructorSeries {
  name: string;
  bytes: number[];
  counts: number[];
  baselineBytes: number | null;
  recoveryBytes: number | null;
}

export class NodeHeapSession {
  private readonly scenarios = new Map<number, ScenarioSnapshots>();
  private taken = 0;
  /** Set by the first snapshot that failed: no more are taken, and attribution reports it. */
  failure: string | null = null;
  /** Sum of the snapshot files' sizes, bytes. */
  snapshotBytes = 0;

  private constructor(
    private readonly dir: string,
    private readonly write: SnapshotWriter,
    private readonly closeWriter: () => void,
  ) {}

  static async open(write: SnapshotWriter, close: () => void = () => undefined): Promise<NodeHeapSession> {
    return new NodeHeapSession(await mkdtemp(path.join(os.tmpdir(), 'mqleak-heap-')), write, close);
  }

  get snapshots(): number {
    return this.taken;
  }

  private snapshotsOf(scenario: number): ScenarioSnapshots {
    const existing = this.scenarios.get(scenario);
    if (existing !== undefined) return existing;
    const fresh: ScenarioSnapshots = {
      baseline: null,
      cycles: new Map(),
      recovery: null,
      lastFile: null,
      firstMaxId: null,
    };
    this.scenarios.set(scenario, fresh);
    return fresh;
  }

  /** Takes and summarizes the snapshot of one floor; a failure is kept as a note, never thrown into the run. */
  async atFloor(mark: FloorMark): Promise<void> {
    if (this.failure !== null) return;
    const file = path.join(this.dir, `s${mark.scenario}-${mark.phase}-${mark.cycle ?? 0}.heapsnapshot`);
    try {
      await this.write(file);
      this.taken++;
      const size = (await stat(file)).size;
      this.snapshotBytes += size;
      if (size > MAX_SNAPSHOT_BYTES) {
        throw new Error(
          `a heap snapshot of ${Math.round(size / 1048576)} MB is more than the ${MAX_SNAPSHOT_BYTES / 1048576} MB ` +
            'mqleak parses: attribute a shorter run (--quick) or a smaller --set operationsPerCycle',
        );
      }
      const json = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshotJson;
      const totals = summarizeSnapshot(json);
      const entry = this.snapshotsOf(mark.scenario);
      if (entry.firstMaxId === null) entry.firstMaxId = maxObjectId(json);
      if (mark.phase === 'baseline') entry.baseline = totals;
      else if (mark.phase === 'recovery') entry.recovery = totals;
      else {
        entry.cycles.set(mark.cycle ?? 0, totals);
        if (entry.lastFile !== null) await rm(entry.lastFile, { force: true });
        entry.lastFile = file;
        return;
      }
      await rm(file, { force: true });
    } catch (error) {
      const where = `the ${mark.phase} floor${mark.cycle === null ? '' : ` of cycle ${mark.cycle + 1}`}`;
      this.failure = `heap snapshot at ${where}: ${errorMessage(error)}`;
      await rm(file, { force: true });
    }
  }

  /** Every constructor seen at any floor of the scenario, with its bytes and count per cycle (0 where absent). */
  series(scenario: number, cycleIndexes: readonly number[]): ConstructorSeries[] {
    const entry = this.scenarios.get(scenario);
    if (entry === undefined) return [];
    const names = new Set<string>();
    for (const totals of entry.cycles.values()) for (const name of totals.keys()) names.add(name);
    return [...names].map((name) => ({
      name,
      bytes: cycleIndexes.map((index) => entry.cycles.get(index)?.get(name)?.bytes ?? 0),
      counts: cycleIndexes.map((index) => entry.cycles.get(index)?.get(name)?.count ?? 0),
      baselineBytes: entry.baseline === null ? null : (entry.baseline.get(name)?.bytes ?? 0),
      recoveryBytes: entry.recovery === null ? null : (entry.recovery.get(name)?.bytes ?? 0),
    }));
  }

  /** Whether every cycle of the scenario has its snapshot. */
  complete(scenario: number, cycleIndexes: readonly number[]): boolean {
    const entry = this.scenarios.get(scenario);
    return entry !== undefined && cycleIndexes.every((index) => entry.cycles.has(index));
  }

  /** Retainer paths of the given constructors in the scenario's newest cycle snapshot. */
  async retainers(scenario: number, names: readonly string[]): Promise<Map<string, string[]>> {
    const entry = this.scenarios.get(scenario);
    const file = entry?.lastFile ?? null;
    if (file === null || names.length === 0) return new Map();
    const json = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshotJson;
    // Instances made during the load and still alive; a constructor with none falls back to all of them.
    const newer = retainerPaths(json, names, entry?.firstMaxId ?? 0);
    const missing = names.filter((name) => !newer.has(name));
    if (missing.length === 0) return newer;
    return new Map([...retainerPaths(json, missing), ...newer]);
  }

  async dispose(): Promise<void> {
    this.closeWriter();
    await rm(this.dir, { recursive: true, force: true });
  }
}
