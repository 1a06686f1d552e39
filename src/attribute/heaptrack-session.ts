import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, chown, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { targetError, usageError } from '../core/errors.js';
import { findGdb, type HeaptrackTools } from './heaptrack-tools.js';

const run = promisify(execFile);

/**
 * How long the interpreter gets, once the broker has stopped (or heaptrack was detached), to symbolize what is
 * left and close its file. It buffers its output until then; a big trace takes seconds to finish.
 */
const FINISH_TIMEOUT_MS = 60_000;
/** gdb attaching, loading the library and calling into the broker: seconds on a loaded machine. */
const GDB_TIMEOUT_MS = 60_000;

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What the attached gdb said went wrong, in the words a user can act on. */
function attachFailure(pid: number, output: string): Error {
  if (/ptrace|Operation not permitted|not permitted/i.test(output)) {
    return targetError(
      `--attribute: the kernel refused to let gdb attach to pid ${pid} ` +
        `(ptrace: ${output.trim().split('\n').at(-1) ?? ''})`,
      "attaching heaptrack needs ptrace permission: run mqleak as the broker's user or root with " +
        'CAP_SYS_PTRACE, set /proc/sys/kernel/yama/ptrace_scope to 0, or start the broker with --spawn instead ' +
        'of --pid',
    );
  }
  return targetError(
    `--attribute: heaptrack could not be injected into pid ${pid}: ${output.trim().split('\n').slice(-2).join(' | ')}`,
    'attaching needs gdb, ptrace permission and a broker linked against libdl/libc with symbols gdb can ' +
      'call; or start the broker with --spawn',
  );
}

/**
 * One broker traced by heaptrack: a FIFO the preload library writes into, heaptrack_interpret reading it into a
 * file. The trace is read back after the broker stopped (or heaptrack detached): the interpreter buffers its output,
 * so a live read would lag by tens of seconds on an idle broker.
 */
export class HeaptrackSession {
  /** Run-clock ms at which heaptrack started in the broker: its timestamps count from there. */
  originMs: number | null = null;
  private attachedPid: number | null = null;
  private readonly interpreterExit: Promise<number | null>;

  private constructor(
    readonly tools: HeaptrackTools,
    readonly dir: string,
    readonly fifo: string,
    readonly traceFile: string,
    private readonly interpreter: ChildProcess,
  ) {
    this.interpreterExit = new Promise((resolve) => {
      interpreter.once('exit', (code) => resolve(code));
      interpreter.once('error', () => resolve(null));
    });
  }

  static async open(tools: HeaptrackTools): Promise<HeaptrackSession> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-heaptrack-'));
    const fifo = path.join(dir, 'fifo');
    const traceFile = path.join(dir, 'trace.txt');
    await run('mkfifo', [fifo]);
    // The shell opens the FIFO for the interpreter: it waits there until the broker opens it for writing.
    const interpreter = spawn('/bin/sh', ['-c', 'exec "$0" < "$1" > "$2"', tools.interpret, fifo, traceFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    interpreter.stderr?.resume();
    return new HeaptrackSession(tools, dir, fifo, traceFile, interpreter);
  }

  /** Shell assignments put before `exec CMD`: the broker (and only it, not the shell) loads heaptrack. */
  spawnAssignments(): string {
    return (
      `LD_PRELOAD=${shellQuote(this.tools.preload)}"\${LD_PRELOAD:+:$LD_PRELOAD}" ` +
      `DUMP_HEAPTRACK_OUTPUT=${shellQuote(this.fifo)}`
    );
  }

  /** Injects heaptrack into a running broker through gdb (what `heaptrack -p PID` does). */
  async attach(pid: number, clockMs: () => number): Promise<void> {
    const gdb = await findGdb();
    if (gdb === null) {
      throw usageError(
        `--attribute with --pid ${pid}: attaching heaptrack to a running broker needs gdb, and it is not on the PATH`,
        'install it (`apt-get install gdb`), or start the broker with --spawn "CMD" so mqleak preloads heaptrack',
      );
    }
    const scope = await readFile('/proc/sys/kernel/yama/ptrace_scope', 'utf8').catch(() => '0');
    if (Number(scope.trim()) > 0 && process.getuid?.() !== 0) {
      throw targetError(
        `--attribute with --pid ${pid}: the kernel allows no ptrace attach here (kernel.yama.ptrace_scope ` +
          `= ${scope.trim()})`,
        'attaching heaptrack needs ptrace: `sysctl kernel.yama.ptrace_scope=0`, run as root, or start the ' +
          'broker with --spawn',
      );
    }
    // The broker opens the FIFO as its own user (Mosquitto drops root after start): as `heaptrack -p` does, hand
    // the FIFO to that user, and let it through the private folder.
    const owner = await stat(`/proc/${pid}`);
    await chmod(this.dir, 0o711);
    await chown(this.fifo, owner.uid, owner.gid).catch(() => undefined);
    const { stdout: dlopen } = await run(this.tools.env, ['dlopen', this.tools.inject]);
    const started = clockMs();
    const result = await run(
      gdb,
      [
        '--batch',
        '-n',
        '-iex=set auto-solib-add off',
        '-p',
        String(pid),
        '--eval-command=sharedlibrary libc.so',
        `--eval-command=call (void) ${dlopen.trim()}`,
        '--eval-command=sharedlibrary libheaptrack_inject',
        `--eval-command=call (void) heaptrack_inject("${this.fifo}")`,
        '--eval-command=detach',
      ],
      { timeout: GDB_TIMEOUT_MS, env: { ...process.env, DEBUGINFOD_URLS: '' } },
    ).catch((error: { stdout?: string; stderr?: string; message?: string }) => {
      throw attachFailure(pid, `${error.stderr ?? ''}\n${error.stdout ?? ''}\n${error.message ?? ''}`);
    });
    const said = `${result.stderr}\n${result.stdout}`;
    if (/ptrace: |Could not attach|No symbol "heaptrack_inject"|Operation not permitted/i.test(said))
      throw attachFailure(pid, said);
    // heaptrack's clock starts inside heaptrack_inject: between gdb starting and returning.
    this.originMs = (started + clockMs()) / 2;
    this.attachedPid = pid;
  }

  /** Ends tracing (detaching from an attached broker; a spawned one has stopped) and waits for the trace file. */
  async finish(): Promise<{ file: string; bytes: number } | { error: string }> {
    if (this.attachedPid !== null) {
      const gdb = await findGdb();
      if (gdb !== null) {
        await run(
          gdb,
          [
            '--batch',
            '-n',
            '-iex=set auto-solib-add off',
            '-p',
            String(this.attachedPid),
            '--eval-command=sharedlibrary libheaptrack_inject',
            '--eval-command=call (void) heaptrack_stop()',
            '--eval-command=detach',
          ],
          { timeout: GDB_TIMEOUT_MS },
        ).catch(() => undefined);
      }
    }
    // A broker that never opened the FIFO (a static binary, or it failed to start) leaves the interpreter waiting
    // in open(): opening and closing a writer ourselves gives it its end of file. Harmless once the broker is gone.
    await open(this.fifo, constants.O_WRONLY | constants.O_NONBLOCK)
      .then((handle) => handle.close())
      .catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), FINISH_TIMEOUT_MS);
    });
    const outcome = await Promise.race([this.interpreterExit, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      if (this.interpreter.pid !== undefined && this.interpreter.exitCode === null) this.interpreter.kill('SIGKILL');
      return { error: `heaptrack_interpret did not finish within ${FINISH_TIMEOUT_MS / 1000} s after tracing ended` };
    }
    const size = await stat(this.traceFile)
      .then((info) => info.size)
      .catch(() => 0);
    if (size === 0)
      return {
        error:
          'heaptrack wrote no data: the broker never loaded the preload library (a static binary, or ' +
          'LD_PRELOAD reset by a wrapper script?)',
      };
    return { file: this.traceFile, bytes: size };
  }

  async dispose(): Promise<void> {
    if (this.interpreter.exitCode === null && this.interpreter.signalCode === null) this.interpreter.kill('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}
