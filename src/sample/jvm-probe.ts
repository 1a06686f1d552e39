import { open, readdir, readFile, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../core/errors.js';
import type { MetricInfo, MetricValues } from '../core/metrics.js';
import { heapUsedBytes, parsePerfData } from './hsperfdata.js';
import type { Probe } from './probe.js';

// `jvm` (by itself for a java broker, or `--probe jvm[:PID]`): the Java heap in use, from the JVM's own perf
// counters (what `jstat -gc` prints). A JVM's RSS is the heap it reserved and hardly moves after a collection;
// the used heap after a GC is its live data, which is what a leak grows. mqleak forces that GC before each floor
// (`jcmd PID GC.run`, see src/target/jvm-target.ts), so the floors of `jvm.heapUsed` are the heap after GC.

/** A 32 KB file read; longer means the machine is stalled. */
const JVM_TIMEOUT_MS = 5000;

export const JVM_METRICS: readonly MetricInfo[] = [
  {
    name: 'jvm.heapUsed',
    kind: 'bytes',
    unit: 'B',
    judged: true,
    description:
      'Java heap in use (eden, survivors, old: jstat -gc S0U+S1U+EU+OU); after the GC forced before each floor',
  },
];

/** Whether the process runs the `java` launcher (its /proc exe), the way attribution decides the runtime. */
export async function isJavaProcess(pid: number): Promise<boolean> {
  const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
  return path.basename(exe) === 'java';
}

/** The process's PID inside its own PID namespace (a JVM in a container names its file by that one). */
async function namespacePid(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const line = /^NSpid:\s*(.+)$/m.exec(status)?.[1];
  const last = line?.trim().split(/\s+/).at(-1);
  return last === undefined ? pid : Number(last);
}

/**
 * The JVM's perf data file: /tmp/hsperfdata_USER/PID as the process sees /tmp (through /proc/PID/root, so a
 * container's works too); null when there is none (-XX:-UsePerfData, or no permission to look).
 */
export async function findPerfData(pid: number): Promise<string | null> {
  const nsPid = await namespacePid(pid);
  for (const tmp of [`/proc/${pid}/root/tmp`, '/tmp']) {
    const folders = await readdir(tmp).catch(() => [] as string[]);
    for (const folder of folders.filter((name) => name.startsWith('hsperfdata_'))) {
      const file = path.join(tmp, folder, String(tmp === '/tmp' ? pid : nsPid));
      const handle = await open(file, 'r').catch(() => null);
      if (handle === null) continue;
      await handle.close();
      return file;
    }
  }
  return null;
}

export const NO_PERF_DATA_HINT =
  'the JVM writes its counters to /tmp/hsperfdata_USER/PID unless it runs with -XX:-UsePerfData (remove it), ' +
  "and mqleak must run as the JVM's user or root; or feed the heap through a command: --probe " +
  '\'heap:bytes=cmd:jcmd {pid} GC.heap_info | awk "/used/ {print \\$NF}"\'';

export class JvmProbe implements Probe {
  readonly id = 'jvm';
  readonly kind = 'jvm' as const;
  readonly slow = false;
  readonly timeoutMs = JVM_TIMEOUT_MS;
  readonly metrics = JVM_METRICS;
  readonly source: string;
  private handle: FileHandle | null = null;
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly pid: number) {
    this.source = `perf counters of JVM pid ${pid}`;
  }

  async open(): Promise<void> {
    const file = await findPerfData(this.pid);
    if (file === null)
      throw usageError(`--probe jvm: no perf data file of JVM pid ${this.pid} (hsperfdata)`, NO_PERF_DATA_HINT);
    this.handle = await open(file, 'r');
    this.buffer = Buffer.alloc((await this.handle.stat()).size);
    const first = heapUsedBytes(parsePerfData(await this.readAll()));
    if (first === null)
      throw usageError(
        `--probe jvm: JVM pid ${this.pid} publishes no heap space counters`,
        "its collector's counters are not there: use the cmd: probe instead",
      );
  }

  private async readAll(): Promise<Buffer> {
    if (this.handle === null) throw new Error('the jvm probe is not open');
    const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, 0);
    return this.buffer.subarray(0, bytesRead);
  }

  async read(): Promise<MetricValues> {
    const used = heapUsedBytes(parsePerfData(await this.readAll()));
    if (used === null) throw new Error(`no heap space counters in the perf data of pid ${this.pid}`);
    return { 'jvm.heapUsed': used };
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}
