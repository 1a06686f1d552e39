import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../core/errors.js';
import type { MetricInfo, MetricValues } from '../core/metrics.js';
import type { Probe } from './probe.js';

/** Reading three small files of a pseudo-filesystem; longer means the machine is stalled. */
const CGROUP_TIMEOUT_MS = 5000;

const METRICS: readonly MetricInfo[] = [
  {
    name: 'cgroup.memory',
    kind: 'bytes',
    unit: 'B',
    judged: true,
    description: 'memory charged to the cgroup (memory.current; v1 memory.usage_in_bytes), page cache included',
  },
  {
    name: 'cgroup.anon',
    kind: 'bytes',
    unit: 'B',
    judged: true,
    description: 'anonymous memory of the cgroup (anon of memory.stat; v1 total_rss): heap, not cache',
  },
  {
    name: 'cgroup.pids',
    kind: 'count',
    unit: 'tasks',
    judged: true,
    description: 'tasks (processes and threads) in the cgroup (pids.current)',
  },
];

/** The value of `key` in a memory.stat text (`anon 1234`), or null. */
export function statValue(text: string, key: string): number | null {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match === null ? null : Number(match[1]);
}

async function readNumber(file: string): Promise<number | null> {
  try {
    const value = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * `cgroup:PATH`: a container's memory as its cgroup accounts it — what an OOM kill is decided on — for
 * brokers in a container whose PID mqleak cannot see. cgroup v2 (`memory.current`, `memory.stat` anon)
 * and v1 (`memory.usage_in_bytes`, `memory.stat` total_rss) folders are both read.
 */
export class CgroupProbe implements Probe {
  readonly id = 'cgroup';
  readonly kind = 'cgroup' as const;
  readonly slow = false;
  readonly timeoutMs = CGROUP_TIMEOUT_MS;
  readonly metrics = METRICS;
  readonly source: string;
  private version: 1 | 2 = 2;

  constructor(private readonly folder: string) {
    this.source = folder;
  }

  async open(): Promise<void> {
    if ((await readNumber(path.join(this.folder, 'memory.current'))) !== null) return;
    if ((await readNumber(path.join(this.folder, 'memory.usage_in_bytes'))) !== null) {
      this.version = 1;
      return;
    }
    throw usageError(
      `--probe cgroup:${this.folder}: no memory.current (cgroup v2) or memory.usage_in_bytes (v1) there`,
      'give the cgroup folder of the broker, e.g. ' +
        '/sys/fs/cgroup/system.slice/docker-<ID>.scope (see /proc/<PID>/cgroup)',
    );
  }

  async read(): Promise<MetricValues> {
    const memoryFile = path.join(this.folder, this.version === 2 ? 'memory.current' : 'memory.usage_in_bytes');
    const [memory, stat, pids] = await Promise.all([
      readNumber(memoryFile),
      readFile(path.join(this.folder, 'memory.stat'), 'utf8').catch(() => ''),
      readNumber(path.join(this.folder, 'pids.current')),
    ]);
    if (memory === null) throw new Error(`cannot read ${memoryFile} (the cgroup is gone?)`);
    const values: MetricValues = { 'cgroup.memory': memory };
    const anon =
      this.version === 2 ? statValue(stat, 'anon') : (statValue(stat, 'total_rss') ?? statValue(stat, 'rss'));
    if (anon !== null) values['cgroup.anon'] = anon;
    if (pids !== null) values['cgroup.pids'] = pids;
    return values;
  }
}
