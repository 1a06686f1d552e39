import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ownChild } from '../../core/owned-processes.js';
import { siblingEntry } from '../../target/module-path.js';
import {
  HeldClients,
  type FillRequest,
  type FillResult,
  type HeldClientsOptions,
  type ReleaseResult,
} from '../clients/held-clients.js';
import { openFilesLimit } from './worker-split.js';
import { isWorkerReply, workerStats, type WorkerRequest, type WorkerStats } from './worker-protocol.js';

// The coordinator's side of the load workers. A crowd of held clients is split into shards (worker-split.ts);
// one shard that fits mqleak's own open-files limit runs in-process, more run one per child process, each
// answering the same four requests. The pattern sees shards, not processes, and adds up their counts.

/** Bound on a worker answering `init`/`begin`: these do no network work. */
const QUICK_REPLY_MS = 15_000;
/** Beyond a fill's own deadline and connect timeout: time for the last connects and the reply to arrive. */
const REPLY_MARGIN_MS = 30_000;
/** How long a worker gets to exit after its channel is closed before it is killed (by its PID). */
const EXIT_GRACE_MS = 5_000;
/**
 * Node flags of a load worker. A 1 MB semi-space caps V8's young generation at ~2 MB instead of ~32 MB:
 * a worker holds thousands of idle sessions and little short-lived garbage, and the default young
 * generation alone costs as much memory as ~12,000 held sessions. Its cost in connect rate was within
 * run-to-run noise (bench/generator-memory.ts measures both configurations).
 */
export const WORKER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=1'];

export interface ShardRunner {
  /** The process that holds this shard's clients (mqleak's own PID for the in-process shard). */
  readonly pid: number;
  begin(rate: number): Promise<void>;
  fill(request: FillRequest, signal: AbortSignal): Promise<FillResult>;
  release(timeoutMs: number): Promise<ReleaseResult>;
  /** The shard's process CPU time and memory as of its last answer. */
  readonly stats: WorkerStats;
  stop(): Promise<void>;
}

class LocalShard implements ShardRunner {
  readonly pid = process.pid;
  private readonly clients: HeldClients;
  constructor(options: HeldClientsOptions) {
    this.clients = new HeldClients(options);
  }
  get stats(): WorkerStats {
    return workerStats();
  }
  async begin(rate: number): Promise<void> {
    this.clients.begin(rate);
  }
  fill(request: FillRequest, signal: AbortSignal): Promise<FillResult> {
    return this.clients.fill(request, signal);
  }
  release(): Promise<ReleaseResult> {
    return this.clients.release();
  }
  async stop(): Promise<void> {
    await this.clients.release();
  }
}

class RemoteShard implements ShardRunner {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  private exit: string | null = null;
  private readonly exited: Promise<void>;
  stats: WorkerStats = { cpuUserUs: 0, cpuSystemUs: 0, rssBytes: 0 };

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
        for (const [, waiter] of this.pending) {
          clearTimeout(waiter.timer);
          waiter.reject(new Error(`load worker ${child.pid} ${this.exit}`));
        }
        this.pending.clear();
        resolve();
      }),
    );
    child.on('message', (message: unknown) => {
      if (!isWorkerReply(message)) return;
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.type === 'failed') waiter.reject(new Error(`load worker ${child.pid}: ${message.message}`));
      else {
        this.stats = message.stats;
        waiter.resolve(message.result);
      }
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  request<T>(message: WorkerRequest, timeoutMs: number): Promise<T> {
    if (this.exit !== null) return Promise.reject(new Error(`load worker ${this.pid} ${this.exit}`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(message.id);
        reject(new Error(`load worker ${this.pid} did not answer ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(message.id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send(message);
    });
  }

  id(): number {
    return this.nextId++;
  }

  async begin(rate: number): Promise<void> {
    await this.request({ type: 'begin', id: this.id(), rate }, QUICK_REPLY_MS);
  }

  async fill(request: FillRequest, signal: AbortSignal): Promise<FillResult> {
    const onAbort = (): void => {
      if (this.child.connected) this.child.send({ type: 'abort' });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.request<FillResult>(
        { type: 'fill', id: this.id(), request },
        Math.max(0, request.deadlineMs - Date.now()) + REPLY_MARGIN_MS,
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  release(timeoutMs: number): Promise<ReleaseResult> {
    return this.request<ReleaseResult>({ type: 'release', id: this.id() }, timeoutMs);
  }

  /**
   * Closes the channel (the worker exits and its sockets close); killed by PID if it is still there after a grace time.
   */
  async stop(): Promise<void> {
    if (this.exit !== null) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

async function forkWorker(options: HeldClientsOptions): Promise<RemoteShard> {
  const entry = siblingEntry(import.meta.url, 'load-worker-main');
  const child = ownChild(
    fork(entry.file, [], {
      execArgv: [...entry.execArgv, ...WORKER_EXEC_ARGV],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  const shard = new RemoteShard(child);
  try {
    await shard.request({ type: 'init', id: shard.id(), options }, QUICK_REPLY_MS);
  } catch (error) {
    await shard.stop();
    throw error;
  }
  return shard;
}

/**
 * Starts `count` shard runners: one in mqleak's own process when a single shard is asked for and
 * `inProcess` allows it, otherwise one worker process each. Started workers are stopped again if any fails.
 */
export async function startShards(
  count: number,
  options: HeldClientsOptions,
  inProcess: boolean,
): Promise<ShardRunner[]> {
  if (count === 1 && inProcess) return [new LocalShard(options)];
  const started = await Promise.allSettled(Array.from({ length: count }, () => forkWorker(options)));
  const shards = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(shards.map((shard) => shard.stop()));
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return shards;
}

/** This process's open-files soft limit (`ulimit -n`), from /proc; Infinity where /proc is not there. */
export function ownOpenFilesLimit(): number {
  try {
    return openFilesLimit(readFileSync('/proc/self/limits', 'utf8'))?.soft ?? Infinity;
  } catch {
    return Infinity;
  }
}
