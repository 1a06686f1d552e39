import { fork } from 'node:child_process';
import { targetError } from '../core/errors.js';
import { ownChild } from '../core/owned-processes.js';
import type { ChildMessage } from './broker-process.js';
import { ChildBroker } from './child-broker.js';
import { siblingEntry } from './module-path.js';
import { NODE_BROKER_ENV, NODE_BROKER_EXEC_ARGV } from './node-broker-runtime.js';
import type { Target } from './target.js';

const READY_TIMEOUT_MS = 15_000;
const GC_REPLY_TIMEOUT_MS = 5_000;
/** A heap snapshot of a broker holding a few hundred MB takes seconds; past this the broker is stuck. */
const SNAPSHOT_REPLY_TIMEOUT_MS = 120_000;

function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Starts the embedded Aedes broker in a child process on a free loopback port. */
export async function launchEmbeddedBroker(): Promise<Target> {
  const entry = siblingEntry(import.meta.url, 'embedded-broker-main');
  // Owned: stopped on an interrupt; it exits by itself when mqleak dies (its IPC channel closes).
  const child = ownChild(
    fork(entry.file, ['--port', '0'], {
      execArgv: [...entry.execArgv, ...NODE_BROKER_EXEC_ARGV],
      env: { ...process.env, ...NODE_BROKER_ENV },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  const broker = new ChildBroker(child);
  const ready = await new Promise<{ port: number } | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS);
    child.on('message', (message: unknown) => {
      if (isChildMessage(message) && message.type === 'ready') {
        clearTimeout(timer);
        resolve({ port: message.port });
      }
    });
    void broker.exited.then(() => {
      clearTimeout(timer);
      resolve(null);
    });
  });
  if (ready === null || child.pid === undefined) {
    await broker.stop();
    throw targetError(
      `the embedded broker did not start (${broker.exitReason() ?? 'no answer'})`,
      broker.tail.snapshot().slice(-3).join(' | ') || 'run with --verbose for details',
    );
  }
  const pid = child.pid;
  return {
    kind: 'embedded',
    address: { url: `mqtt://127.0.0.1:${ready.port}`, host: '127.0.0.1', port: ready.port },
    pid,
    description: `embedded Aedes broker (pid ${pid})`,
    command: null,
    canForceGc: true,
    forceGc: () => requestGc(child),
    heapSnapshot: (file) => requestHeapSnapshot(child, file),
    outputTail: () => broker.tail.snapshot(),
    exitReason: () => broker.exitReason(),
    stop: () => broker.stop(),
  };
}

function requestGc(child: import('node:child_process').ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    if (!child.connected) return resolve(false);
    const onMessage = (message: unknown): void => {
      if (isChildMessage(message) && message.type === 'gc-done') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message.ok);
      }
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(false);
    }, GC_REPLY_TIMEOUT_MS);
    child.on('message', onMessage);
    child.send({ type: 'gc' });
  });
}

/** Asks the broker child to write a V8 heap snapshot to `file` (--attribute); rejects with why it could not. */
function requestHeapSnapshot(child: import('node:child_process').ChildProcess, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!child.connected) return reject(new Error('the embedded broker has no IPC channel any more'));
    const onMessage = (message: unknown): void => {
      if (!isChildMessage(message) || message.type !== 'heap-snapshot-done' || message.file !== file) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (message.error === null) resolve();
      else reject(new Error(`the embedded broker could not write a heap snapshot: ${message.error}`));
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`the embedded broker wrote no heap snapshot within ${SNAPSHOT_REPLY_TIMEOUT_MS / 1000} s`));
    }, SNAPSHOT_REPLY_TIMEOUT_MS);
    child.on('message', onMessage);
    child.send({ type: 'heap-snapshot', file });
  });
}
