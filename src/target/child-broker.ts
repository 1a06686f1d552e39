import type { ChildProcess } from 'node:child_process';
import { signalOwnedChild } from '../core/owned-processes.js';
import { OutputTail } from './output-tail.js';

const OUTPUT_TAIL_LINES = 40;
/** How long a broker gets to exit on SIGTERM before it is killed. */
const STOP_GRACE_MS = 3000;

/** A broker process mqleak started and owns: its output tail, its exit, and stopping it by PID. */
export class ChildBroker {
  readonly tail = new OutputTail(OUTPUT_TAIL_LINES);
  private exit: string | null = null;
  readonly exited: Promise<string>;

  constructor(readonly child: ChildProcess) {
    this.tail.follow(child.stdout, '');
    this.tail.follow(child.stderr, '');
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = signal !== null ? `killed by ${signal}` : `exited with code ${code ?? '?'}`;
        resolve(this.exit);
      });
      child.once('error', (error) => {
        this.exit = `could not start: ${error.message}`;
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  exitReason(): string | null {
    return this.exit;
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (this.exit !== null || pid === undefined) return;
    // Its process group when it has one (a spawned broker and whatever its wrapper started).
    signalOwnedChild(this.child, 'SIGTERM');
    const timer = setTimeout(() => {
      if (this.exit === null) signalOwnedChild(this.child, 'SIGKILL');
    }, STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
