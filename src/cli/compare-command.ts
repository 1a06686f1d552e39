import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import { compareReports } from '../verdict/compare.js';
import { readReportFile } from '../report/read-report.js';
import { renderComparison } from '../report/terminal/compare.js';
import { styleFor } from '../report/terminal/style.js';
import type { Streams } from './run-command.js';

export interface CompareFlags {
  json?: boolean;
  color: boolean;
}

/**
 * `mqleak compare BASE.json NEW.json`: exit 1 when NEW regressed beyond the intervals, 0 otherwise, 64 for a bad file.
 */
export async function compareCommand(
  baseFile: string,
  newFile: string,
  flags: CompareFlags,
  io: Streams,
): Promise<ExitCodeValue> {
  const base = await readReportFile(baseFile);
  const next = await readReportFile(newFile);
  const comparison = compareReports(base, next, { base: baseFile, new: newFile });
  if (flags.json === true) io.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
  else io.stdout.write(renderComparison(comparison, styleFor(io.stdout, io.env, flags.color)));
  return comparison.regressions > 0 ? ExitCode.leak : ExitCode.pass;
}
