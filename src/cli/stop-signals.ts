import { constants } from 'node:os';
import { stopOwnedNow } from '../core/owned-processes.js';

// SIGINT (Ctrl-C), SIGTERM (CI runners, `timeout`, systemd, Kubernetes) and SIGHUP (a closed terminal or
// SSH session) all mean "stop now, keep what you measured": the first one aborts the run, which then judges
// what it has and writes every report with `interrupted: true` and the signal's name. A second signal, or a
// first one whose run has not finished within FINISH_BOUND_MS, quits at once: every process mqleak started
// is signalled (their watchdogs finish the job), no report, exit 128 + the signal's number (the shell's
// convention, what CI runners expect of a process killed by a signal).

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Bound on finishing after the first signal. Stopping the load, the last floors and the reports take seconds;
 * Kubernetes' default grace period is 30 s and systemd's 90 s, so a run still going after this will be
 * SIGKILLed anyway: quitting at once then at least stops the children cleanly.
 */
export const FINISH_BOUND_MS = 25_000;

export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export interface StopSignalHandle {
  /** The first signal received, or null. */
  readonly received: StopSignal | null;
  dispose(): void;
}

/**
 * Installs the handlers: `onFirst` is called with the first signal's name (abort the run there).
 * `quit` ends the process (injected so tests of the wiring need not exit).
 */
export function handleStopSignals(
  stderr: NodeJS.WritableStream,
  onFirst: (signal: StopSignal) => void,
  quit: (code: number) => never = (code) => process.exit(code),
): StopSignalHandle {
  const state: { received: StopSignal | null; timer: NodeJS.Timeout | null } = { received: null, timer: null };
  const quitNow = (signal: StopSignal, why: string): void => {
    const stopped = stopOwnedNow('SIGTERM');
    stderr.write(
      `mqleak: ${why}: quitting at once without a report (exit ${signalExitCode(signal)}); ${stopped} ` +
        `process${stopped === 1 ? '' : 'es'} mqleak started signalled to stop\n`,
    );
    quit(signalExitCode(signal));
  };
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (state.received !== null) {
        quitNow(signal, `second signal (${signal})`);
        return;
      }
      state.received = signal;
      const how = signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal';
      stderr.write(`\nmqleak: interrupted by ${signal}: finishing the report (${how} quits at once)\n`);
      state.timer = setTimeout(
        () => quitNow(signal, `the run did not finish within ${FINISH_BOUND_MS / 1000} s of ${signal}`),
        FINISH_BOUND_MS,
      );
      state.timer.unref();
      onFirst(signal);
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  return {
    get received() {
      return state.received;
    },
    dispose() {
      if (state.timer !== null) clearTimeout(state.timer);
      for (const { signal, handler } of handlers) process.removeListener(signal, handler);
    },
  };
}
