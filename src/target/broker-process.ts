import { writeHeapSnapshot } from 'node:v8';
import { errorMessage } from '../core/errors.js';
import type { RunningBroker } from './embedded-broker.js';

// The little protocol between mqleak and a broker child it forked (the embedded broker, the test fixtures):
// the child says where it listens, and forces a garbage collection when asked, so cycle floors of a
// garbage-collected broker are read after a collection instead of somewhere on the sawtooth. Under --attribute it
// also writes a V8 heap snapshot at each floor, into the file mqleak names.

export type ParentMessage = { type: 'gc' } | { type: 'heap-snapshot'; file: string };
export type ChildMessage =
  | { type: 'ready'; port: number; pid: number }
  | { type: 'gc-done'; ok: boolean }
  | { type: 'heap-snapshot-done'; file: string; error: string | null };

/** How long a broker child may take to close its clients on SIGTERM or when orphaned before it just exits. */
const SHUTDOWN_BOUND_MS = 2000;

/** The line a broker child prints on stdout once it listens, for launchers without IPC. */
export const READY_LINE_PREFIX = 'mqleak-broker listening on port ';

function isParentMessage(value: unknown): value is ParentMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { type?: unknown; file?: unknown };
  return message.type === 'gc' || (message.type === 'heap-snapshot' && typeof message.file === 'string');
}

/** Synchronous (V8 stops the world for it, and collects garbage first): the snapshot is of the floor itself. */
function snapshotTo(file: string): string | null {
  try {
    writeHeapSnapshot(file);
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}

function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  gc();
  return true;
}

/** Runs inside the broker child: announce readiness, serve GC requests, close cleanly on SIGTERM/SIGINT. */
export function serveBrokerProcess(broker: RunningBroker): void {
  const send = (message: ChildMessage): void => {
    if (process.send !== undefined) process.send(message);
  };
  process.stdout.write(`${READY_LINE_PREFIX}${broker.port}\n`);
  send({ type: 'ready', port: broker.port, pid: process.pid });
  process.on('message', (message: unknown) => {
    if (!isParentMessage(message)) return;
    if (message.type === 'gc') send({ type: 'gc-done', ok: collectGarbage() });
    else send({ type: 'heap-snapshot-done', file: message.file, error: snapshotTo(message.file) });
  });
  // SIGUSR2 lets a user-given GC command (`--gc-cmd "kill -USR2 {pid}"`) collect without IPC.
  process.on('SIGUSR2', () => collectGarbage());
  const shutdown = (): void => {
    // Bounded: a close that waits on thousands of clients must not keep an orphan alive.
    setTimeout(() => process.exit(0), SHUTDOWN_BOUND_MS).unref();
    void broker.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Orphaned (the parent died without stopping us): do not linger as a stray broker.
  process.on('disconnect', shutdown);
}

export function parsePortArgument(argv: string[], fallback: number): number {
  const at = argv.indexOf('--port');
  if (at === -1) return fallback;
  const port = Number(argv[at + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${argv[at + 1]}: not a port`);
  return port;
}
