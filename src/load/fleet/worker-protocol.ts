import type { FillRequest, FillResult, HeldClientsOptions, ReleaseResult } from '../clients/held-clients.js';

// The IPC messages between mqleak (the coordinator) and a load worker process. Requests carry an id;
// the worker answers each with a reply of the same id, with its own CPU time and memory for the run's
// figures (how busy the generator was, that it did not leak).

export type WorkerRequest =
  | { type: 'init'; id: number; options: HeldClientsOptions }
  | { type: 'begin'; id: number; rate: number }
  | { type: 'fill'; id: number; request: FillRequest }
  | { type: 'release'; id: number };

/** Not a request: tells the worker the run was aborted (stop starting connects). */
export interface AbortMessage {
  type: 'abort';
}

export interface WorkerStats {
  /** process.cpuUsage() of the worker, µs since it started. */
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
}

export type WorkerReply =
  | { type: 'reply'; id: number; result: null | FillResult | ReleaseResult; stats: WorkerStats }
  | { type: 'failed'; id: number; message: string };

export function isWorkerReply(value: unknown): value is WorkerReply {
  const type = (value as { type?: unknown } | null)?.type;
  return (type === 'reply' || type === 'failed') && typeof (value as { id?: unknown }).id === 'number';
}

export function isWorkerRequest(value: unknown): value is WorkerRequest | AbortMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'init' || type === 'begin' || type === 'fill' || type === 'release' || type === 'abort';
}

export function workerStats(): WorkerStats {
  const cpu = process.cpuUsage();
  return { cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage.rss() };
}
