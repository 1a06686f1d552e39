import { usageError } from '../../core/errors.js';
import type { ProbeSpec } from '../../sample/probe-spec.js';
import { isLoopbackHost, parseBrokerUrl, type TlsSettings } from '../../net/broker-address.js';

// A broker whose process mqleak cannot see (on another host, in a container whose PID is hidden) is
// still measurable through the probes that read it from outside: $SYS, HTTP, a cgroup folder, a
// command. Such a run has no PID: no proc metrics, no "process vanished" detection, nothing for
// `{pid}` to stand for. Decided here, before any connection, so every refusal is a usage error.

export interface ProcessChoiceInput {
  /** `--broker URL`; absent: the embedded broker (or 127.0.0.1:1883 with --pid/--spawn). */
  broker?: string;
  tls?: TlsSettings;
  pid?: number;
  spawn?: string;
  gcCommand?: string;
  /** `--no-proc`: the user said not to look for or sample the broker's process. */
  noProc: boolean;
  specs: readonly ProbeSpec[];
  extraPids: readonly number[];
  processName?: string;
}

/** What a run without the broker's process can be judged by; the hint of every refusal below. */
export const OUTSIDE_PROBES_HINT =
  'add a probe that reads the broker from outside: --probe sys ($SYS topics), --probe ' +
  "'http:URL#SELECTOR' (Prometheus or JSON), --probe cgroup:PATH, or --probe 'cmd:COMMAND' " +
  '(without {pid})';

/**
 * True when the run goes ahead without the broker's process: `--no-proc`, or a broker on another host
 * with no `--pid` and at least one probe that reads it from outside. Throws the usage errors of that case
 * (a flag that needs the process, nothing left to sample); every other case returns false, unchanged.
 */
export function runsWithoutProcess(input: ProcessChoiceInput): boolean {
  // A JVM's perf counters are read through its process, like /proc.
  const procSpecs = input.specs.filter((spec) => spec.kind === 'proc' || spec.kind === 'jvm');
  if (input.noProc) {
    const clash =
      input.pid !== undefined || input.extraPids.length > 0
        ? '--pid'
        : input.spawn !== undefined
          ? '--spawn'
          : input.processName !== undefined
            ? '--process'
            : procSpecs.length > 0
              ? `--probe ${procSpecs[0]?.text ?? 'proc'}`
              : null;
    if (clash !== null)
      throw usageError(
        `--no-proc with ${clash}: one says not to sample the broker's process, the other names it`,
        `drop one of them (--no-proc judges only the probes given)`,
      );
    if (input.broker === undefined)
      throw usageError(
        '--no-proc without --broker: the embedded broker is always sampled by its process',
        'give --broker URL of the broker to judge by its probes',
      );
  } else {
    if (input.broker === undefined || input.pid !== undefined || input.spawn !== undefined) return false;
    const address = parseBrokerUrl(input.broker, input.tls);
    // Local brokers keep their process; with proc figures asked for, the existing refusal explains itself.
    if (
      isLoopbackHost(address.host) ||
      input.extraPids.length > 0 ||
      input.processName !== undefined ||
      procSpecs.length > 0
    )
      return false;
    if (input.specs.length === 0) {
      throw usageError(
        `cannot see the process of ${address.url}: it is not on this machine, and no --probe reads it from outside`,
        `${OUTSIDE_PROBES_HINT}; or pass --pid N if it runs here`,
      );
    }
  }
  const why = input.noProc ? '--no-proc' : 'the broker is on another host';
  if (input.specs.length === 0) throw usageError('--no-proc: no probe left to sample', OUTSIDE_PROBES_HINT);
  const withPid = input.specs.find((spec) => spec.kind === 'cmd' && (spec.arg ?? '').includes('{pid}'));
  if (withPid !== undefined) {
    throw usageError(
      `--probe ${withPid.text}: {pid} needs the broker's process, and this run has none (${why})`,
      'read the figure without {pid} (e.g. docker exec NAME …), or pass --pid N where the broker runs on this machine',
    );
  }
  if (input.gcCommand?.includes('{pid}') === true) {
    throw usageError(
      `--gc-cmd ${input.gcCommand}: {pid} needs the broker's process, and this run has none (${why})`,
      'use a command without {pid} (e.g. docker exec NAME …), or pass --pid N where the broker runs on this machine',
    );
  }
  return true;
}
