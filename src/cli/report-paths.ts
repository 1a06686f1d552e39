import path from 'node:path';
import { checkWritable } from '../report/write-atomic.js';

// Every place a report was asked for is checked before any load: a run that measures for half an hour
// and then cannot write its report has lost everything (issue 17). Exit 64, naming the path and the flag.

export interface ReportPathFlags {
  out: string;
  json?: string;
  html: string | boolean;
  junit?: string;
}

export async function checkReportPaths(flags: ReportPathFlags): Promise<void> {
  await checkWritable(path.join(flags.out, 'mqleak-report.json'), '--out');
  if (flags.json !== undefined && flags.json !== '-') await checkWritable(flags.json, '--json');
  if (typeof flags.html === 'string') await checkWritable(flags.html, '--html');
  if (flags.junit !== undefined) await checkWritable(flags.junit, '--junit');
}

/** The one line for a report that could not be written at the end of a run (exit 4). */
export function writeFailureLine(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  const why =
    code === 'ENOSPC' ? 'the disk is full (ENOSPC)' : code === 'EDQUOT' ? 'the disk quota is used up (EDQUOT)' : code;
  return (
    `mqleak: cannot write the report to ${file}: ${why}; a report already there is left as it was (reports are ` +
    'written to a temporary file and renamed)\n  hint: free space or point --out / --json / --html / --junit ' +
    'elsewhere; the other reports were still written\n'
  );
}
