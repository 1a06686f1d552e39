import os from 'node:os';
import type { EnvironmentReport } from '../core/report-model.js';

/** Arguments that need no quoting in a POSIX shell. */
const SHELL_SAFE = /^[\w@%+=:,./-]+$/;

export function shellQuote(arg: string): string {
  if (arg !== '' && SHELL_SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * `mqleak run --quick connect-churn ...`: process.argv without node and the script path, quoted for a
 * shell, so a report says how to repeat its run (paste it into a terminal in the same folder).
 */
export function commandLineOf(argv: readonly string[]): string {
  return ['mqleak', ...argv.slice(2).map(shellQuote)].join(' ');
}

/** The machine a run was made on: figures from different machines do not compare one to one. */
export function environmentReport(): EnvironmentReport {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
  };
}
