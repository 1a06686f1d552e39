import path from 'node:path';
import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import { readReportFile } from '../report/read-report.js';
import { renderHtml } from '../report/html/render-html.js';
import { renderJunit } from '../report/junit/render-junit.js';
import { renderTable } from '../report/terminal/table.js';
import { styleFor } from '../report/terminal/style.js';
import { evaluateThresholds } from '../verdict/limit-checks.js';
import { writeTextReport } from '../report/write-report.js';
import type { Streams } from './run-command.js';
import { parseThresholdFlags } from './validate.js';

export interface ReportFlags {
  html?: string;
  junit?: string;
  threshold: string[];
  color: boolean;
}

/**
 * `mqleak report FILE.json`: a saved report again, as the table (default), HTML or JUnit. With
 * `--threshold` it is a gate on the saved figures: exit 1 when one is broken, else 0.
 */
export async function reportCommand(file: string, flags: ReportFlags, io: Streams): Promise<ExitCodeValue> {
  let report = await readReportFile(file);
  const thresholds = parseThresholdFlags(
    flags.threshold,
    report.scenarios.map((scenario) => scenario.name),
    'report-command',
  );
  // The saved exit code stays the run's; this command's exit code is the gate's alone.
  if (thresholds.length > 0) report = { ...report, thresholds: evaluateThresholds(report, thresholds) };
  const outputs: [string, string][] = [];
  if (flags.html !== undefined) outputs.push([flags.html, renderHtml(report)]);
  if (flags.junit !== undefined) outputs.push([flags.junit, renderJunit(report)]);
  for (const [target, text] of outputs) {
    await writeTextReport(target, text);
    io.stderr.write(`wrote ${path.relative(process.cwd(), path.resolve(target)) || target}\n`);
  }
  if (outputs.length === 0 || thresholds.length > 0)
    io.stdout.write(renderTable(report, styleFor(io.stdout, io.env, flags.color), io.stdout.columns ?? 100));
  const broken = (report.thresholds ?? []).some((result) => result.status === 'fail');
  return thresholds.length > 0 && broken ? ExitCode.leak : ExitCode.pass;
}
