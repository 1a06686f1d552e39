import { access, constants, readlink } from 'node:fs/promises';
import path from 'node:path';
import { signalOwnedChild, spawnOwned } from '../core/owned-processes.js';
import type { Target } from './target.js';

// A JVM broker: `jcmd` (the JDK's diagnostic command client) collects its garbage before each floor and takes its
// class histograms (--attribute). jcmd attaches by PID to a JVM of the same user (or as root), no ptrace needed.

/** A jcmd call that takes longer is abandoned: a full GC of a large heap takes seconds, not this. */
export const JCMD_TIMEOUT_MS = 30_000;

/** Whether the process runs the `java` launcher (its /proc exe), the way attribution decides the runtime. */
export async function isJavaProcess(pid: number): Promise<boolean> {
  const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
  return path.basename(exe) === 'java';
}

/** `jcmd` on the PATH, or null. */
export async function findJcmd(): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'jcmd');
    const found = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return candidate;
  }
  return null;
}

export const JCMD_HINT =
  "install the JDK's tools (Debian: apt-get install openjdk-17-jdk-headless, the JDK matching the broker's java) " +
  'so that jcmd is on the PATH';

/** Runs `jcmd PID COMMAND…` and returns what it printed; throws with its output when it fails. */
export function runJcmd(jcmd: string, pid: number, command: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnOwned(jcmd, [String(pid), ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => signalOwnedChild(child, 'SIGKILL'), JCMD_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8');
      // jcmd exits 0 even when the attach failed; its first line is then an exception, not `PID:`.
      const failed = code !== 0 || !text.startsWith(`${pid}:`);
      if (!failed) return resolve(text);
      const why = `${text}\n${Buffer.concat(err).toString('utf8')}`.trim().split('\n').slice(0, 2).join(' ');
      reject(new Error(`jcmd ${pid} ${command.join(' ')}: ${signal ?? `exit ${code}`}: ${why.slice(0, 200)}`));
    });
  });
}

/**
 * A java broker without `--gc-cmd`: a full collection (`jcmd PID GC.run`, i.e. System.gc()) before each floor, so
 * that its floors, `jvm.heapUsed` above all, are the live heap after GC. Null when it does not apply.
 */
export async function withJvmGc(target: Target): Promise<Target | null> {
  const pid = target.pid;
  if (pid === null || target.canForceGc || !(await isJavaProcess(pid))) return null;
  const jcmd = await findJcmd();
  if (jcmd === null) return null;
  return {
    ...target,
    canForceGc: true,
    forceGc: () =>
      runJcmd(jcmd, pid, ['GC.run']).then(
        () => true,
        () => false,
      ),
  };
}
