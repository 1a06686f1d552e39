import { signalOwnedChild, spawnOwned } from '../core/owned-processes.js';
import type { MetricInfo, MetricValues } from '../core/metrics.js';
import { figureMetric, figureName, ghostMetric, guessFigureAs, type FigureAs } from './probe-spec.js';
import type { Probe } from './probe.js';

/**
 * `rabbitmqctl`, `docker exec` and `jcmd` start a VM or a client each time: a few seconds is normal, more is a hang.
 */
const CMD_TIMEOUT_MS = 10_000;
/** A figure is one number; output beyond this is not read. */
const MAX_OUTPUT_CHARS = 64 * 1024;
const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;

export interface CmdProbeOptions {
  command: string;
  name: string | null;
  as: FigureAs | null;
  /** The broker's PID for `{pid}`; null when mqleak sees no process. */
  pid: number | null;
  held: () => number;
}

/** The first number a command printed on stdout; null when there is none. */
export function firstNumber(text: string): number | null {
  const match = NUMBER.exec(text);
  return match === null ? null : Number(match[0]);
}

function runCommand(command: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnOwned('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out = (out + chunk).slice(0, MAX_OUTPUT_CHARS)));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-MAX_OUTPUT_CHARS)));
    const onAbort = (): void => {
      signalOwnedChild(child, 'SIGKILL');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('close', (code, killed) => {
      signal.removeEventListener('abort', onAbort);
      if (code === 0) resolve(out);
      else
        reject(new Error(`exited ${code ?? killed}${err.trim() === '' ? '' : `: ${err.trim().split('\n').at(-1)}`}`));
    });
  });
}

/**
 * `cmd:COMMAND`: any command that prints a number (`docker exec …`, `jcmd {pid} …`, `rabbitmqctl …`), run
 * through `sh -c` with `{pid}` filled in, at the sampling interval at most (a run still going when the
 * next tick comes skips that tick), killed after a timeout. The figure is the first number on stdout.
 */
export class CmdProbe implements Probe {
  readonly id = 'cmd';
  readonly kind = 'cmd' as const;
  readonly slow = true;
  readonly timeoutMs = CMD_TIMEOUT_MS;
  readonly metrics: readonly MetricInfo[];
  readonly source: string;
  readonly figure: string;
  private readonly as: FigureAs;
  private readonly command: string;

  constructor(private readonly options: CmdProbeOptions) {
    this.command = options.pid === null ? options.command : options.command.replaceAll('{pid}', String(options.pid));
    const firstWord = options.command.trim().split(/\s+/)[0] ?? 'value';
    const name = options.name ?? figureName(firstWord.split('/').at(-1) ?? firstWord);
    this.as = options.as ?? guessFigureAs(name);
    this.figure = `cmd.${name}`;
    this.source = this.command;
    const metric = figureMetric('cmd', name, this.as, `the number \`${options.command}\` prints`);
    this.metrics = this.as === 'connections' ? [metric, ghostMetric('cmd', metric.name)] : [metric];
  }

  async read(_nowMs: number, signal: AbortSignal): Promise<MetricValues> {
    const output = await runCommand(this.command, signal);
    const held = this.options.held();
    const value = firstNumber(output);
    if (value === null) throw new Error(`printed no number: ${JSON.stringify(output.trim().slice(0, 80))}`);
    const values: MetricValues = { [this.figure]: value };
    if (this.as === 'connections') values['cmd.ghostSessions'] = value - held;
    return values;
  }
}
