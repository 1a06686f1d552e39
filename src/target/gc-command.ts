import { signalOwnedChild, spawnOwned } from '../core/owned-processes.js';

/** A GC command that takes longer than this is abandoned: the floor is read without it. */
const GC_COMMAND_TIMEOUT_MS = 15_000;

/**
 * Runs the user's `--gc-cmd` with `{pid}` filled in (a run without a PID refuses `{pid}` before it starts); true when
 * it exited 0.
 */
export function runGcCommand(template: string, pid: number | null): Promise<boolean> {
  const command = pid === null ? template : template.replaceAll('{pid}', String(pid));
  return new Promise((resolve) => {
    const child = spawnOwned('/bin/sh', ['-c', command], { stdio: 'ignore' });
    const timer = setTimeout(() => signalOwnedChild(child, 'SIGKILL'), GC_COMMAND_TIMEOUT_MS);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}
