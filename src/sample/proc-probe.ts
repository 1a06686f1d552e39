import { readFile, readdir } from 'node:fs/promises';
import pidusage from 'pidusage';
import type { MetricValues } from '../core/metrics.js';
import { KIB } from '../core/units.js';

/** Linux reports CPU times in clock ticks; 100 per second on every mainstream build. */
const CLOCK_TICKS_PER_SECOND = 100;

export class ProcessGoneError extends Error {
  constructor(
    readonly pid: number,
    reason: string,
  ) {
    super(`process ${pid} ${reason}`);
  }
}

interface StatLine {
  startTime: string;
  cpuTicks: number;
}

function parseStat(text: string): StatLine {
  // Fields after the parenthesised command name, which may itself hold spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { startTime: fields[19] ?? '', cpuTicks: utime + stime };
}

/** CPU time (user + system) a process has used so far, in seconds; null when it is gone or there is no /proc. */
export async function readCpuSeconds(pid: number, procRoot = '/proc'): Promise<number | null> {
  try {
    return parseStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8')).cpuTicks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function statusField(status: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Reads memory, descriptors, threads and CPU of one process: /proc on Linux, pidusage elsewhere. */
export class ProcProbe {
  private startTime: string | null = null;
  private lastCpu: { ticks: number; atMs: number } | null = null;
  private readonly hasProc: boolean;
  /**
   * Counting /proc/PID/fd costs ~1.5 µs per descriptor: a caller may skip it on some reads (self-probe.ts does under
   * load).
   */
  countFds = true;

  constructor(
    readonly pid: number,
    hasProc = process.platform === 'linux',
  ) {
    this.hasProc = hasProc;
  }

  async read(nowMs: number): Promise<MetricValues> {
    return this.hasProc ? this.readProc(nowMs) : this.readPidusage();
  }

  private async readProc(nowMs: number): Promise<MetricValues> {
    let status: string;
    let stat: StatLine;
    try {
      [status, stat] = await Promise.all([
        readFile(`/proc/${this.pid}/status`, 'utf8'),
        readFile(`/proc/${this.pid}/stat`, 'utf8').then(parseStat),
      ]);
    } catch {
      throw new ProcessGoneError(this.pid, 'is gone');
    }
    if (this.startTime === null) this.startTime = stat.startTime;
    else if (this.startTime !== stat.startTime)
      throw new ProcessGoneError(this.pid, 'was replaced by another process with the same PID');
    if (/^State:\s+Z/m.test(status)) throw new ProcessGoneError(this.pid, 'exited (zombie)');

    const values: MetricValues = {};
    const rssKib = statusField(status, 'VmRSS');
    const anonKib = statusField(status, 'RssAnon');
    const swapKib = statusField(status, 'VmSwap');
    const threads = statusField(status, 'Threads');
    if (rssKib !== undefined) values.rss = rssKib * KIB;
    if (anonKib !== undefined) values.rssAnon = anonKib * KIB;
    if (swapKib !== undefined) values.swap = swapKib * KIB;
    if (threads !== undefined) values.threads = threads;
    try {
      if (this.countFds) values.fds = (await readdir(`/proc/${this.pid}/fd`)).length;
    } catch {
      // not ours to read (another user's broker): the other figures still count
    }
    if (this.lastCpu !== null && nowMs > this.lastCpu.atMs) {
      const seconds = (nowMs - this.lastCpu.atMs) / 1000;
      values.cpu = ((stat.cpuTicks - this.lastCpu.ticks) / CLOCK_TICKS_PER_SECOND / seconds) * 100;
    }
    this.lastCpu = { ticks: stat.cpuTicks, atMs: nowMs };
    return values;
  }

  private async readPidusage(): Promise<MetricValues> {
    try {
      const stats = await pidusage(this.pid);
      return { rss: stats.memory, cpu: stats.cpu };
    } catch {
      throw new ProcessGoneError(this.pid, 'is gone');
    }
  }
}
