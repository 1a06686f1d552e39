import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAgentWait, parseHostPort, readAgentToken } from './agent-flags.js';
import { ExitCode, usageError, type ExitCodeValue } from '../core/errors.js';
import type { RunReport } from '../core/report-model.js';
import { renderJson } from '../report/json/render-json.js';
import { renderTable } from '../report/terminal/table.js';
import { styleFor } from '../report/terminal/style.js';
import { besidePath, defaultReportPath, writeTextReport } from '../report/write-report.js';
import { renderHtml } from '../report/html/render-html.js';
import { renderJunit } from '../report/junit/render-junit.js';
import { evaluateThresholds, withThresholds, type SourcedThreshold } from '../verdict/limit-checks.js';
import { parseDuration } from '../run/plan/time-budget.js';
import { executeRun, prepareRun, type AgentRunOptions } from '../run/run.js';
import { loadTlsSettings } from '../target/tls-settings.js';
import { credentialsFrom } from './credentials.js';
import { parseSourceIps } from './source-ips.js';
import { progressObserver } from './progress.js';
import { parseSoak } from './soak-flag.js';
import { parseThresholdFlags } from './threshold-flags.js';

export interface RunFlags {
  broker?: string;
  /** `--pid`, repeatable: the first is the target's process, the others more nodes of a cluster. */
  pid?: string[];
  process?: string;
  probe?: string[];
  /** False for `--no-proc`: no broker process looked for or sampled. */
  proc?: boolean;
  spawn?: string;
  gcCmd?: string;
  set: string[];
  quick?: boolean;
  all?: boolean;
  budget?: string;
  soak?: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  servername?: string;
  json?: string;
  /** A file name, or false for --no-html (no HTML beside the JSON); true (default) writes it beside the JSON only. */
  html: string | boolean;
  junit?: string;
  threshold: string[];
  /** `--source-ip` (repeatable). */
  sourceIp?: string[];
  out: string;
  interval: string;
  quiet?: boolean;
  color: boolean;
  verbose?: boolean;
  /** `--agents N --listen HOST:PORT --token-file FILE [--agents-wait S] [--listen-cert F --listen-key F]`. */
  agents?: string;
  listen?: string;
  tokenFile?: string;
  agentsWait?: string;
  listenCert?: string;
  listenKey?: string;
}

const MIN_INTERVAL_MS = 10;
/** Shorter than any scenario's baseline and one cycle: a budget below it is a typo. */
const MIN_BUDGET_MS = 10_000;
const MAX_INTERVAL_MS = 60_000;
/** Agents one coordinator takes at most: bounded, like the local worker processes. */
const MAX_AGENTS = 256;

function parsePid(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 0)
    throw usageError(`--pid ${raw}: not a process id`, 'pass a positive integer, e.g. --pid $(pgrep -n mosquitto)');
  return pid;
}

function parseBudget(raw: string | undefined): { ms: number; text: string } | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (!(ms >= MIN_BUDGET_MS))
    throw usageError(`--budget ${raw}: not a time budget`, 'e.g. --budget 10m, 90s, 1h30m (at least 10 s)');
  return { ms, text: raw };
}

function parseInterval(raw: string): number {
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw usageError(
      `--interval ${raw}: not a sampling interval`,
      `milliseconds from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`,
    );
  }
  return ms;
}

/** The coordinator's flags: how many agents, where they dial in, the shared token. */
async function agentOptions(flags: RunFlags, io: Streams): Promise<AgentRunOptions> {
  const count = Number(flags.agents);
  if (!Number.isInteger(count) || count < 1 || count > MAX_AGENTS)
    throw usageError(`--agents ${flags.agents}: not a number of agents`, `a whole number from 1 to ${MAX_AGENTS}`);
  if (flags.listen === undefined)
    throw usageError('--agents without --listen', 'give the address agents dial in to, e.g. --listen 0.0.0.0:7700');
  if ((flags.listenCert === undefined) !== (flags.listenKey === undefined))
    throw usageError('--listen-cert and --listen-key go together', 'give both (PEM) for wss://, or neither for ws://');
  const pem = async (file: string, flag: string): Promise<string> =>
    readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw usageError(`${flag} ${file}: cannot read it (${error.code ?? 'error'})`, 'give a readable PEM file');
    });
  return {
    count,
    listen: parseHostPort(flags.listen, '--listen'),
    token: await readAgentToken(flags.tokenFile, io.env),
    waitMs: parseAgentWait(flags.agentsWait, '--agents-wait'),
    ...(flags.listenCert === undefined || flags.listenKey === undefined
      ? {}
      : {
          tls: {
            cert: await pem(flags.listenCert, '--listen-cert'),
            key: await pem(flags.listenKey, '--listen-key'),
          },
        }),
    log: (line) => {
      io.stderr.write(`mqleak: ${line}\n`);
    },
  };
}

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
  const jsonToStdout = flags.json === '-';
  // With JSON on stdout, everything for people goes to stderr so the machine output stays clean.
  const human = jsonToStdout ? io.stderr : io.stdout;
  const style = styleFor(human, io.env, flags.color);
  if (flags.all === true && scenarios.length > 0) {
    throw usageError(
      `--all with scenarios named (${scenarios.join(', ')})`,
      'either name scenarios or give --all for every built-in one',
    );
  }
  // Nothing named and no --all: the quick suite, so a first `npx mqleak run` answers in minutes, not a quarter hour.
  const quickSuite = scenarios.length === 0 && flags.all !== true;
  if (quickSuite && flags.quiet !== true) {
    io.stderr.write(
      'mqleak: no scenario named: running the quick suite (every built-in scenario, short form); name scenarios or pass --all for full-length runs a CI gate can trust\n',
    );
  }
  const prepared = await prepareRun({
    scenarios,
    quick: flags.quick === true || quickSuite,
    overrides: flags.set,
    target: {
      broker: flags.broker,
      pid: parsePid(flags.pid?.[0]),
      spawn: flags.spawn,
      gcCommand: flags.gcCmd,
      tls: await loadTlsSettings(flags),
      noProc: flags.proc === false,
    },
    sampleIntervalMs: parseInterval(flags.interval),
    argv,
    credentials: credentialsFrom(flags, io.env),
    sourceIps: parseSourceIps(flags.sourceIp ?? []),
    budget: parseBudget(flags.budget),
    soakMs: parseSoak(flags.soak, flags.budget),
    probes: flags.probe ?? [],
    extraPids: (flags.pid ?? []).slice(1).map((raw) => parsePid(raw) as number),
    processName: flags.process,
    ...(flags.agents === undefined ? {} : { agents: await agentOptions(flags, io) }),
  });
  if (prepared.budget !== undefined && flags.quiet !== true) io.stderr.write(`${prepared.budget.notes.join('\n  ')}\n`);
  const thresholds: SourcedThreshold[] = [
    ...parseThresholdFlags(
      flags.threshold,
      prepared.scenarios.map((scenario) => scenario.name),
      'command-line',
    ),
    ...prepared.scenarios.flatMap((scenario) =>
      scenario.limits.map((spec): SourcedThreshold => ({ spec, source: 'scenario-file', scenario: scenario.name })),
    ),
  ];
  const progress = flags.quiet === true ? null : progressObserver(io.stderr, styleFor(io.stderr, io.env, flags.color));
  const interrupt = new AbortController();
  const onSigint = (): void => {
    io.stderr.write('\nmqleak: interrupted: finishing the report (Ctrl-C again to quit at once)\n');
    interrupt.abort();
  };
  process.once('SIGINT', onSigint);
  // Over agents, SIGTERM (a Kubernetes Job deleted) ends the run like Ctrl-C: every agent's load stops, the report is written.
  const onSigterm = (): void => {
    io.stderr.write('\nmqleak: terminated: stopping the agents and finishing the report\n');
    interrupt.abort();
  };
  if (flags.agents !== undefined) process.once('SIGTERM', onSigterm);
  let report: RunReport;
  try {
    report = await executeRun({
      options: { ...prepared.options, observer: progress ?? {}, signal: interrupt.signal },
      scenarios: prepared.scenarios,
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
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
  for (const [file, render] of files) {
    try {
      await writeTextReport(file, render());
      if (flags.quiet !== true)
        io.stderr.write(`report: ${path.relative(process.cwd(), path.resolve(file)) || file}\n`);
    } catch (error) {
      io.stderr.write(
        `mqleak: cannot write the report to ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n  hint: check --out / --json / --html / --junit point to a writable place\n`,
      );
      return ExitCode.internal;
    }
  }
  return report.exitCode as ExitCodeValue;
}
