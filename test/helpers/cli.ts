import { spawn } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../src/core/report-model.js';
import { readReportFile } from '../../src/report/read-report.js';
import { REPO_ROOT } from './brokers.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The report written to the run's own --out folder, read as `mqleak report` reads it (series unpacked). */
  report: RunReport | null;
}

/**
 * A bound on any one CLI run in the tests: the runner stops the CLI if it ever hangs. Not a timer on
 * speed: two full-size scenarios on a loaded 2-core machine took ~4 min (health-check-churn and
 * connect-churn hold silent connections since issue #4), so the bound is well above that.
 */
const CLI_TIMEOUT_MS = 480_000;

/** Runs the built CLI (bin/mqleak.js) as a user would, with its own report folder. */
export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; autoAttribute?: boolean } = {},
): Promise<CliResult> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'mqleak-reports-'));
  // A LEAK would start a second, instrumented run by itself (docs/attribution.md): only the tests of that pay for it.
  const attribute = options.autoAttribute === true || args.includes('--attribute') ? [] : ['--no-attribute'];
  const fullArgs = args[0] === 'run' ? [...args, '--out', out, ...attribute] : args;
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/mqleak.js'), ...fullArgs], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  const files = await readdir(out).catch(() => [] as string[]);
  const file = files.find((name) => name.endsWith('.json'));
  const report = file === undefined ? null : await readReportFile(path.join(out, file));
  return { code, stdout, stderr, report };
}
