import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

// Every process mqleak starts is registered here, so that an interrupt (even a second signal, which quits at
// once) can stop them all, and so that none outlives mqleak: see docs/reliability.md.
//
// Forked Node children (the embedded broker, load workers) watch their IPC channel and exit when it closes,
// which the kernel does even when mqleak is SIGKILLed. A command run through the shell (a spawned broker, a
// `--gc-cmd`, a `cmd:` probe, a restart hook) cannot: it runs in its own process group with a watchdog, a
// tiny `sh` reading a pipe from mqleak. When mqleak dies for any reason the pipe reaches end-of-file and the
// watchdog stops the whole group (SIGTERM, then SIGKILL after a grace time), grandchildren of a wrapper too.

/** How long the watchdog lets the orphaned group exit on SIGTERM before it sends SIGKILL (in tenths of a second). */
const WATCHDOG_GRACE_TENTHS = 30;

/** `$1` is the process group to guard. `read` returns at end-of-file: mqleak has gone. */
const WATCHDOG_SCRIPT = [
  'read _ignored',
  'kill -TERM -"$1" 2>/dev/null',
  'n=0',
  `while kill -0 -"$1" 2>/dev/null && [ $n -lt ${WATCHDOG_GRACE_TENTHS} ]; do sleep 0.1; n=$((n+1)); done`,
  'kill -KILL -"$1" 2>/dev/null',
  'exit 0',
].join('\n');

interface Owned {
  child: ChildProcess;
  /** True when the child leads its own process group: signals go to the group. */
  group: boolean;
  watchdog: ChildProcess | null;
}

const owned = new Set<Owned>();

function signalOwned(entry: Owned, signal: NodeJS.Signals): boolean {
  const pid = entry.child.pid;
  if (pid === undefined || entry.child.exitCode !== null || entry.child.signalCode !== null) return false;
  try {
    process.kill(entry.group ? -pid : pid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

function release(entry: Owned): void {
  owned.delete(entry);
  const watchdog = entry.watchdog;
  if (watchdog?.pid !== undefined && watchdog.exitCode === null && watchdog.signalCode === null) {
    try {
      process.kill(watchdog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Registers a child mqleak forked (it watches its own IPC channel); forgotten again once it exits. */
export function ownChild(child: ChildProcess): ChildProcess {
  const entry: Owned = { child, group: false, watchdog: null };
  owned.add(entry);
  child.once('exit', () => release(entry));
  child.once('error', () => release(entry));
  return child;
}

function startWatchdog(pgid: number): ChildProcess | null {
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'mqleak-watchdog', String(pgid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true, // not in the terminal's group: a Ctrl-C reaches mqleak, which then stops the group itself
  });
  watchdog.once('error', () => undefined);
  // Neither the watchdog nor its pipe may keep mqleak's event loop alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog.stdin?.on('error', () => undefined);
  return watchdog;
}

/**
 * Spawns a command mqleak owns: in its own process group (so it and whatever it starts can be signalled
 * together, and a terminal's Ctrl-C reaches only mqleak), guarded by a watchdog that stops the group if
 * mqleak dies, and registered for `stopOwnedNow`. `options.detached` is always set.
 */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  const entry: Owned = { child, group: true, watchdog: null };
  if (child.pid !== undefined) {
    entry.watchdog = startWatchdog(child.pid);
    owned.add(entry);
  }
  child.once('exit', () => release(entry));
  child.once('error', () => release(entry));
  return child;
}

/** Signals an owned child: its whole process group when it has one. False when it was already gone. */
export function signalOwnedChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  for (const entry of owned) if (entry.child === child) return signalOwned(entry, signal);
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  return child.kill(signal);
}

/** Synchronously signals every process mqleak still owns (for a quit at once); returns how many were signalled. */
export function stopOwnedNow(signal: NodeJS.Signals = 'SIGTERM'): number {
  let count = 0;
  for (const entry of owned) if (signalOwned(entry, signal)) count++;
  return count;
}

/** The PIDs mqleak owns right now (tests and the self-check). */
export function ownedPids(): number[] {
  return [...owned].flatMap((entry) => (entry.child.pid === undefined ? [] : [entry.child.pid]));
}
