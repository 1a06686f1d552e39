import { readFile, readdir } from 'node:fs/promises';
import { METRICS, PROC_FIGURES, type MetricInfo, type MetricValues } from '../core/metrics.js';
import type { Probe } from './probe.js';
import { ProcessGoneError, ProcProbe } from './proc-probe.js';

// mqleak's own figures: the coordinator plus every process it started for the load (worker children),
// summed, so the self-check sees all of the generator. The broker under test can itself be a child of
// mqleak (the embedded broker, a --spawn'ed one): its branch of the tree is left out.

/**
 * The process tree changes only when workers start or stop, so it is re-read at most this often rather
 * than on every 100 ms sample: one readdir of the task folder and one read per thread for each process.
 */
export const TREE_REFRESH_MS = 1000;
/** Deeper than any tree mqleak builds (coordinator → worker → a worker's helper): a guard against cycles. */
const MAX_TREE_DEPTH = 8;

/** The children of one process: the union of /proc/PID/task/TID/children over its threads (Linux ≥ 3.5). */
export async function childrenOf(pid: number, procRoot = '/proc'): Promise<number[]> {
  let tasks: string[];
  try {
    tasks = await readdir(`${procRoot}/${pid}/task`);
  } catch {
    return [];
  }
  const lists = await Promise.all(
    tasks.map((tid) => readFile(`${procRoot}/${pid}/task/${tid}/children`, 'utf8').catch(() => '')),
  );
  const children = new Set<number>();
  for (const list of lists) {
    for (const word of list.split(/\s+/)) if (word !== '') children.add(Number(word));
  }
  return [...children].sort((a, b) => a - b);
}

/** The parent of a process from /proc/PID/stat, or null when it cannot be read. */
export async function parentOf(pid: number, procRoot = '/proc'): Promise<number | null> {
  try {
    const stat = await readFile(`${procRoot}/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): state, then ppid.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/**
 * Every descendant of `root`, leaving out the whole branch of each pid in `excluded`
 * (the broker under test and the wrapper processes between mqleak and it).
 */
export async function descendantsOf(
  root: number,
  excluded: ReadonlySet<number>,
  procRoot = '/proc',
): Promise<number[]> {
  const found: number[] = [];
  const seen = new Set<number>([root]);
  let level = [root];
  for (let depth = 0; depth < MAX_TREE_DEPTH && level.length > 0; depth++) {
    const next: number[] = [];
    for (const children of await Promise.all(level.map((pid) => childrenOf(pid, procRoot)))) {
      for (const child of children) {
        if (seen.has(child) || excluded.has(child)) continue;
        seen.add(child);
        found.push(child);
        next.push(child);
      }
    }
    level = next;
  }
  return found.sort((a, b) => a - b);
}

/** The pids from `target` up to (not including) `root` when `target` descends from `root`; else just `target`. */
export async function branchToTarget(root: number, target: number, procRoot = '/proc'): Promise<Set<number>> {
  const branch = new Set<number>([target]);
  const path: number[] = [];
  for (let pid: number | null = target, hops = 0; pid !== null && pid > 1 && hops < MAX_TREE_DEPTH * 2; hops++) {
    pid = await parentOf(pid, procRoot);
    if (pid === root) {
      for (const step of path) branch.add(step);
      break;
    }
    if (pid !== null) path.push(pid);
  }
  return branch;
}

/**
 * The coordinator's JavaScript memory at every sample: V8's heap in use plus memory outside it held by
 * JS objects (Buffers of sockets and packets). Recorded, not judged: even idle, mqleak makes about
 * 3.5 MB/s of garbage (each /proc read takes a 64 KB buffer), so a floor read 100 ms after a collection
 * is already 0.35 MB above it and wanders with the timing.
 */
export const SELF_HEAP_METRIC: MetricInfo = {
  name: 'node.heap',
  kind: 'bytes',
  unit: 'B',
  judged: false,
  description: "mqleak coordinator's V8 heap in use plus external (Buffer) memory",
};

/**
 * V8's heap in use read right after the collection forced before each floor window (one value per
 * window): what mqleak's JavaScript still holds, so a leak in its own code shows here, without the
 * garbage and without the allocator's keep-what-you-once-had that RSS has. Idle, it repeats to within
 * 0.01 MB from one collection to the next. External (Buffer) memory is left out: it is released by
 * finalizers after the collection (right after it, it read anywhere from 2.9 to 4.2 MB, 100 ms later
 * 2.13 MB every time); a leaked Buffer still shows through its JS object. memoryUsage() costs microseconds.
 */
export const SELF_LIVE_HEAP_METRIC: MetricInfo = {
  name: 'node.liveHeap',
  kind: 'bytes',
  unit: 'B',
  judged: true,
  description: "mqleak coordinator's V8 heap in use right after a forced garbage collection",
};

/**
 * What V8 has reserved for the coordinator's JavaScript heap (heapTotal): the pages its collector keeps
 * for reuse, in use or not. Recorded, not judged: it breathes with the allocation rate (the young
 * generation grows to 3 × 16 MB under load), and it tells whether mqleak's RSS moves with V8's reserve
 * (which the live heap does not follow) or with memory outside V8.
 */
export const SELF_HEAP_TOTAL_METRIC: MetricInfo = {
  name: 'node.heapTotal',
  kind: 'bytes',
  unit: 'B',
  judged: false,
  description: "V8 heap reserved by mqleak's coordinator (in use or kept for reuse)",
};

/**
 * What the run's samples take in their stores (src/sample/sample-store.ts), the broker's and mqleak's
 * own: typed arrays off the V8 heap, so node.liveHeap does not see them and this does. Recorded, not
 * judged: it grows by design with every sample kept for the report (about 15–20 B each at the default
 * figures, ~1 MB an hour for both samplers), bounded by the run's length; a report shows it in
 * selfSamples so that growth is never hidden.
 */
export const SELF_SAMPLE_STORE_METRIC: MetricInfo = {
  name: 'node.sampleStore',
  kind: 'bytes',
  unit: 'B',
  judged: false,
  description: 'bytes the samples kept for the report take in their compact stores (broker and self)',
};

/**
 * Recorded for mqleak's own processes but not judged: the RSS of a V8 process is a high-water mark.
 * After a collection V8 keeps the freed pages of its heap for reuse and malloc keeps freed chunks, so
 * RSS ratchets up to the run's working set and rarely comes down: in a --quick connect-churn run
 * mqleak's RSS rose 17 MB (LEAK at 881 B/op [85, 1,486]) while its heap floors after each forced
 * collection stayed between 24.5 and 26.1 MB. The live heap (node.heap) and the counts are what a leak in
 * mqleak's code grows; the RSS series stays in the report (selfSamples, cycles[].selfFloors).
 */
const SELF_UNJUDGED = new Set(['proc.rss', 'proc.rssAnon']);

/**
 * Counting a process's descriptors lists /proc/PID/fd: 7 ms of CPU per read with 5,000 sessions open
 * (bench/generator-memory.ts), 7 % of a core at 10 samples a second. Above this many open the count is
 * taken only every FD_COUNT_EVERY_READS-th read: that is under load, when no floor is read; a settled
 * generator has closed its sessions and is counted on every read again.
 */
const CHEAP_FD_COUNT = 1000;
const FD_COUNT_EVERY_READS = 10;

/** /proc files of a few processes are read in well under this; longer means the machine is stalled. */
const SELF_TIMEOUT_MS = 5000;

/**
 * Reads mqleak's own processes and sums them: same interface as the broker's probe, so the same sampler
 * and the same floors serve both. A worker that exits between two reads is dropped, not an error; the
 * coordinator itself can never be gone.
 */
export class SelfProbe implements Probe {
  // Named like the broker's proc figures (`proc.rss` …) so the same thresholds δ and judging apply;
  // the report keeps them apart under its `self*` keys.
  readonly id = 'proc';
  readonly kind = 'proc' as const;
  readonly slow = false;
  readonly timeoutMs = SELF_TIMEOUT_MS;
  readonly metrics: readonly MetricInfo[] = [
    ...METRICS.map((metric) => (SELF_UNJUDGED.has(metric.name) ? { ...metric, judged: false } : metric)),
    SELF_HEAP_METRIC,
    SELF_HEAP_TOTAL_METRIC,
    SELF_LIVE_HEAP_METRIC,
    SELF_SAMPLE_STORE_METRIC,
  ];
  readonly source = "mqleak's own processes (coordinator and load workers, summed)";
  private readonly probes = new Map<number, ProcProbe>();
  private pids: number[];
  private treeReadAtMs = -Infinity;
  private excluded: Set<number>;
  /** Every pid counted at some point, coordinator first. */
  readonly seen = new Set<number>();
  /** The most processes summed in one sample. */
  maxProcesses = 0;
  private liveHeap: number | null = null;
  /** The bytes of the sample stores to record as node.sampleStore; set by the self-check once the samplers exist. */
  sampleStoreBytes: (() => number) | null = null;
  private reads = 0;
  private lastFds = 0;

  constructor(
    readonly root: number = process.pid,
    /** The broker's branch (see branchToTarget); call excludeBranch once the target is known. */
    excluded: ReadonlySet<number> = new Set(),
    private readonly procRoot = '/proc',
  ) {
    this.excluded = new Set(excluded);
    this.pids = [root];
  }

  excludeBranch(pids: ReadonlySet<number>): void {
    for (const pid of pids) this.excluded.add(pid);
    this.treeReadAtMs = -Infinity;
  }

  /** Call right after a forced collection: the next reading that starts after it carries node.liveHeap. */
  notePostGc(): void {
    this.liveHeap = process.memoryUsage().heapUsed;
  }

  async read(nowMs: number): Promise<MetricValues> {
    // Taken at the start, so a reading begun before the collection (stamped before the floor window) leaves it for the
    // next.
    const liveHeap = this.liveHeap;
    this.liveHeap = null;
    if (nowMs - this.treeReadAtMs >= TREE_REFRESH_MS) {
      this.treeReadAtMs = nowMs;
      this.pids = [this.root, ...(await descendantsOf(this.root, this.excluded, this.procRoot))];
      for (const pid of this.probes.keys()) if (!this.pids.includes(pid)) this.probes.delete(pid);
    }
    const pids = this.pids;
    const countFds = this.lastFds <= CHEAP_FD_COUNT || this.reads++ % FD_COUNT_EVERY_READS === 0;
    const readings = await Promise.all(
      pids.map(async (pid) => {
        let probe = this.probes.get(pid);
        if (probe === undefined) {
          probe = new ProcProbe(pid);
          this.probes.set(pid, probe);
        }
        probe.countFds = countFds;
        try {
          return await probe.read(nowMs);
        } catch (error) {
          if (!(error instanceof ProcessGoneError) || pid === this.root) throw error;
          this.probes.delete(pid);
          this.pids = this.pids.filter((other) => other !== pid);
          return null;
        }
      }),
    );
    const memory = process.memoryUsage();
    const total: MetricValues = {
      [SELF_HEAP_METRIC.name]: memory.heapUsed + memory.external,
      [SELF_HEAP_TOTAL_METRIC.name]: memory.heapTotal,
    };
    if (liveHeap !== null) total[SELF_LIVE_HEAP_METRIC.name] = liveHeap;
    if (this.sampleStoreBytes !== null) total[SELF_SAMPLE_STORE_METRIC.name] = this.sampleStoreBytes();
    let counted = 0;
    const present = readings.filter((values): values is MetricValues => values !== null);
    for (const [k, values] of readings.entries()) {
      if (values === null) continue;
      counted++;
      this.seen.add(pids[k] ?? this.root);
    }
    // Every figure adds up across processes (bytes, counts, cpu: 100 = one core), and only when every
    // process gave it: a sum over some of them would look like a drop.
    for (const figure of PROC_FIGURES) {
      const parts = present.map((values) => values[figure.name]);
      if (parts.length > 0 && parts.every((part): part is number => part !== undefined))
        total[`proc.${figure.name}`] = parts.reduce((sum, part) => sum + part, 0);
    }
    if (total['proc.fds'] !== undefined) this.lastFds = total['proc.fds'];
    this.maxProcesses = Math.max(this.maxProcesses, counted);
    return total;
  }
}
