import path from 'node:path';
import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import type { RunReport } from '../core/report-model.js';
import { renderJson } from '../report/json/render-json.js';
import { renderTable } from '../report/terminal/table.js';
import { styleFor } from '../report/terminal/style.js';
import { besidePath, defaultReportPath, writeTextReport } from '../report/write-report.js';
import { renderHtml } from '../report/html/render-html.js';
import { renderJunit } from '../report/junit/render-junit.js';
import { evaluateThresholds, withThresholds } from '../verdict/limit-checks.js';
import { executeRun } from '../run/run.js';
import { autoAttribute } from '../run/auto-attribution.js';
import { progressObserver } from './progress.js';
import { embeddedBroker, validateRun, type RunFlags, type ValidRun } from './validate.js';
import { handleStopSignals } from './stop-signals.js';
import { FIRST_RUN_MEMORY_THRESHOLD, FIRST_RUN_SCENARIOS } from '../scenario/first-run.js';
import { checkReportPaths, writeFailureLine } from './report-paths.js';

export type { RunFlags } from './validate.js';

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** `mqleak run`: validate everything, run, print the table, write the JSON report, give the contract's exit code. */
export async function runCommand(
  scenarios: string[],
  flags: RunFlags,
  argv: string[],
  io: Streams,
): Promise<ExitCodeValue> {
  const { prepared, thresholds, quickSuite } = await validateRun(scenarios, flags, argv, io.env, (line) =>
    io.stderr.write(`mqleak: ${line}\n`),
  );
  // Nothing named and no --all: the first-run suite, so a first `npx mqleak run` decides in about 3 minutes.
  if (quickSuite && flags.quiet !== true) {
    io.stderr.write(
      `mqleak: no scenario named: running the first-run suite (${FIRST_RUN_SCENARIOS.join(', ')}, short forms, ` +
        (embeddedBroker(flags)
          ? `memory judged at ${FIRST_RUN_MEMORY_THRESHOLD}/op on the embedded broker); name scenarios for the ` +
            'default 64 B/op, or pass --all for every built-in one\n'
          : '); pass --all for every built-in one\n'),
    );
  }
  await checkReportPaths(flags);
  if (prepared.budget !== undefined && flags.quiet !== true) io.stderr.write(`${prepared.budget.notes.join('\n  ')}\n`);
  const progress = flags.quiet === true ? null : progressObserver(io.stderr, styleFor(io.stderr, io.env, flags.color));
  const interrupt = new AbortController();
  // Until the reports are written: a second signal (or a finish that takes too long) quits at once.
  const signals = handleStopSignals(io.stderr, (signal) => interrupt.abort(signal));
  try {
    return await runAndWrite(prepared, thresholds, flags, io, interrupt.signal, progress);
  } finally {
    signals.dispose();
  }
}

async function runAndWrite(
  prepared: ValidRun['prepared'],
  thresholds: ValidRun['thresholds'],
  flags: RunFlags,
  io: Streams,
  interrupt: AbortSignal,
  progress: ReturnType<typeof progressObserver> | null,
): Promise<ExitCodeValue> {
  const jsonToStdout = flags.json === '-';
  // With JSON on stdout, everything for people goes to stderr so the machine output stays clean.
  const human = jsonToStdout ? io.stderr : io.stdout;
  const style = styleFor(human, io.env, flags.color);
  let report: RunReport;
  try {
    const run = {
      options: { ...prepared.options, observer: progress ?? {}, signal: interrupt },
      scenarios: prepared.scenarios,
      ...(prepared.attribution === undefined ? {} : { attribution: prepared.attribution }),
    };
    report = await autoAttribute(run, await executeRun(run), executeRun);
  } finally {
    progress?.close();
  }
  report = withThresholds(report, evaluateThresholds(report, thresholds));

  human.write(renderTable(report, style, human.columns ?? 100));
  if (report.error !== null) {
    io.stderr.write(
      `mqleak: ${report.error.message}${report.error.hint === null ? '' : `\n  hint: ${report.error.hint}`}\n`,
    );
  }
  if (jsonToStdout) io.stdout.write(renderJson(report));
  const finished = report;
  const defaultJson = defaultReportPath(flags.out, finished);
  const json = (): string => renderJson(finished);
  const htmlPage = (): string => renderHtml(finished);
  const files = new Map<string, () => string>([[defaultJson, json]]);
  if (flags.json !== undefined && !jsonToStdout) files.set(flags.json, json);
  if (flags.html !== false) files.set(besidePath(defaultJson, '.html'), htmlPage);
  if (typeof flags.html === 'string') files.set(flags.html, htmlPage);
  if (flags.junit !== undefined) files.set(flags.junit, () => renderJunit(finished));
  let unwritten = 0;
  for (const [file, render] of files) {
    try {
      await writeTextReport(file, render());
      if (flags.quiet !== true)
        io.stderr.write(`report: ${path.relative(process.cwd(), path.resolve(file)) || file}\n`);
    } catch (error) {
      io.stderr.write(writeFailureLine(file, error));
      unwritten++;
    }
  }
  return unwritten > 0 ? ExitCode.internal : (report.exitCode as ExitCodeValue);
}
