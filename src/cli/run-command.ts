import path from 'node:path';
import { ExitCode, usageError, type ExitCodeValue } from '../errors.js';
import { renderJson } from '../report/render-json.js';
import { renderTable } from '../report/render-table.js';
import { styleFor } from '../report/style.js';
import { defaultReportPath, writeJsonReport } from '../report/write-report.js';
import { executeRun, prepareRun } from '../run/run.js';
import { progressObserver } from './progress.js';

export interface RunFlags {
  broker?: string;
  pid?: string;
  spawn?: string;
  gcCmd?: string;
  set: string[];
  quick?: boolean;
  json?: string;
  out: string;
  interval: string;
  quiet?: boolean;
  color: boolean;
  verbose?: boolean;
}

const MIN_INTERVAL_MS = 10;
const MAX_INTERVAL_MS = 60_000;

function parsePid(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 0) throw usageError(`--pid ${raw}: not a process id`, 'pass a positive integer, e.g. --pid $(pgrep -n mosquitto)');
  return pid;
}

function parseInterval(raw: string): number {
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw usageError(`--interval ${raw}: not a sampling interval`, `milliseconds from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`);
  }
  return ms;
}

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** `mqleak run`: validate everything, run, print the table, write the JSON report, give the contract's exit code. */
export async function runCommand(scenarios: string[], flags: RunFlags, argv: string[], io: Streams): Promise<ExitCodeValue> {
  const jsonToStdout = flags.json === '-';
  // With JSON on stdout, everything for people goes to stderr so the machine output stays clean.
  const human = jsonToStdout ? io.stderr : io.stdout;
  const style = styleFor(human, io.env, flags.color);
  const prepared = await prepareRun({
    scenarios,
    quick: flags.quick === true,
    overrides: flags.set,
    target: { broker: flags.broker, pid: parsePid(flags.pid), spawn: flags.spawn, gcCommand: flags.gcCmd },
    sampleIntervalMs: parseInterval(flags.interval),
    argv,
  });
  const progress = flags.quiet === true ? null : progressObserver(io.stderr, styleFor(io.stderr, io.env, flags.color));
  const interrupt = new AbortController();
  const onSigint = (): void => {
    io.stderr.write('\nmqleak: interrupted: finishing the report (Ctrl-C again to quit at once)\n');
    interrupt.abort();
  };
  process.once('SIGINT', onSigint);
  let report;
  try {
    report = await executeRun({ options: { ...prepared.options, observer: progress ?? {}, signal: interrupt.signal }, scenarios: prepared.scenarios });
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress?.close();
  }

  human.write(renderTable(report, style, human.columns ?? 100));
  if (report.error !== null) {
    io.stderr.write(`mqleak: ${report.error.message}${report.error.hint === null ? '' : `\n  hint: ${report.error.hint}`}\n`);
  }
  if (jsonToStdout) io.stdout.write(renderJson(report));
  const files = new Set<string>([defaultReportPath(flags.out, report)]);
  if (flags.json !== undefined && !jsonToStdout) files.add(flags.json);
  for (const file of files) {
    try {
      await writeJsonReport(file, report);
      if (flags.quiet !== true) io.stderr.write(`report: ${path.relative(process.cwd(), path.resolve(file)) || file}\n`);
    } catch (error) {
      io.stderr.write(`mqleak: cannot write the report to ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n  hint: check --out / --json point to a writable place\n`);
      return ExitCode.internal;
    }
  }
  return report.exitCode as ExitCodeValue;
}
