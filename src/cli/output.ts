import { errorMessage, isMqleakError, ExitCode, type ExitCodeValue } from '../core/errors.js';

/** The one place an error becomes output and an exit status: one line, a hint, a stack only with --verbose. */
export function reportError(error: unknown, verbose: boolean, stderr: NodeJS.WritableStream): ExitCodeValue {
  if (isMqleakError(error)) {
    stderr.write(`mqleak: ${error.message}${error.hint === undefined ? '' : `\n  hint: ${error.hint}`}\n`);
    if (verbose && error.stack !== undefined) stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  stderr.write(`mqleak: internal error: ${errorMessage(error)}\n  hint: run again with --verbose and report it\n`);
  if (verbose && error instanceof Error && error.stack !== undefined) stderr.write(`${error.stack}\n`);
  return ExitCode.internal;
}
