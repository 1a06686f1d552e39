// How held clients are spread over processes. Every socket is a file descriptor, and every process here is
// capped at its open-files limit (`ulimit -n`; 20,000 on the machines this was built on, not raisable): past
// one process's share, more clients need more processes. Pure arithmetic, unit-tested.

/**
 * Share of a process's open-files limit given to held clients. The rest stays spare for what the process
 * needs besides (IPC channel, sampler reads of /proc, report files, DNS, the node runtime's own fds) and
 * for sockets still closing from the last cycle while the next one fills.
 */
export const CLIENT_FD_SHARE = 0.75;
/** Fewest fds kept spare whatever the limit (a small `ulimit -n` like 1024 still leaves room). */
export const MIN_SPARE_FDS = 200;
/** Worker processes at most: bounded, and past this the 2 cores here are the limit, not the fds. */
export const MAX_WORKERS = 64;

/** Held clients one process may carry under an open-files limit of `fdLimit`. */
export function clientsPerProcess(fdLimit: number): number {
  if (!Number.isFinite(fdLimit)) return 100_000; // unlimited: the source ports and memory are the limit
  return Math.max(1, Math.min(Math.floor(fdLimit * CLIENT_FD_SHARE), fdLimit - MIN_SPARE_FDS));
}

export interface Shard {
  /** Which worker (0-based). */
  worker: number;
  /** Index of the shard's first client among all the run's clients (client ids, source addresses, subscribers). */
  offset: number;
  count: number;
}

/**
 * Splits `total` clients into the fewest shards of at most `perProcess` each, as even as possible (so no
 * worker runs close to its cap while another idles). Throws past MAX_WORKERS: a bound, not a silent cut.
 */
export function splitClients(total: number, perProcess: number): Shard[] {
  if (total <= 0) return [];
  const workers = Math.ceil(total / Math.max(1, perProcess));
  if (workers > MAX_WORKERS)
    throw new RangeError(
      `${total} clients at ${perProcess} per process need ${workers} processes; at most ${MAX_WORKERS}`,
    );
  const base = Math.floor(total / workers);
  const extra = total % workers;
  const shards: Shard[] = [];
  let offset = 0;
  for (let worker = 0; worker < workers; worker++) {
    const count = base + (worker < extra ? 1 : 0);
    shards.push({ worker, offset, count });
    offset += count;
  }
  return shards;
}

/** Splits a rate or a concurrency over shards in proportion to their clients (each at least `min`). */
export function shareOf(value: number, shard: Shard, total: number, min = 0): number {
  if (total <= 0) return 0;
  return Math.max(min, (value * shard.count) / total);
}

/** The open-files soft limit of a /proc/PID/limits text ("Max open files  20000  20000  files"); null when absent. */
export function openFilesLimit(limitsText: string): { soft: number; hard: number } | null {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limitsText);
  if (match === null) return null;
  const value = (raw: string | undefined): number => (raw === 'unlimited' ? Infinity : Number(raw));
  const soft = value(match[1]);
  const hard = value(match[2]);
  return Number.isNaN(soft) || Number.isNaN(hard) ? null : { soft, hard };
}
