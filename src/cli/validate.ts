import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NarrowOptions } from '../run/narrow.js';
import { NARROW_DEFAULT_CAP_MS } from '../verdict/narrow-choice.js';
// The one validation entry point (as autocannon's validate.js): every flag and parameter of a command is
// checked here, before any connection. Each check that needs a stage's knowledge (the probe grammar, PEM
// files, scenario files and their parameters, whether the broker's process is visible) is that stage's
// function, called from here in a fixed order; nothing after this throws a usage error for a flag,
// except `--process NAME` finding no process, which is looked up when the run starts.
import { usageError } from '../core/errors.js';
import type { Credentials } from '../core/credentials.js';
import type { ThresholdResult } from '../core/report-model.js';
import { parseThresholdSpec } from '../core/threshold-spec.js';
import { prepareRun, type AgentRunOptions, type PreparedRun } from '../run/run.js';
import { loadTlsSettings } from '../target/tls-settings.js';
import type { SourcedThreshold } from '../verdict/limit-checks.js';
import { FIRST_RUN_SCENARIOS, firstRunOverrides } from '../scenario/first-run.js';
import { AGENT_COMMAND, RUN_COMMAND } from './options.js';

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
  /** `--attribute`: attribute the growth to allocation sites (docs/attribution.md). */
  attribute?: boolean;
  /** False for `--no-narrow`. */
  narrow?: boolean;
  narrowBudget?: string;
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

/** `mqleak agent`'s flags, as commander gives them. */
export interface AgentFlags {
  coordinator: string;
  tokenFile?: string;
  id?: string;
  sourceIp: string[];
  tls?: boolean;
  ca?: string;
  wait?: string;
  verbose?: boolean;
}

/** A `mqleak run` whose every flag, scenario and parameter passed: ready to connect. */
export interface ValidRun {
  prepared: PreparedRun;
  thresholds: SourcedThreshold[];
  /** Nothing named and no --all: the quick suite. */
  quickSuite: boolean;
}

const options = RUN_COMMAND.options;

/**
 * `--username` / `--password`, else MQLEAK_USERNAME / MQLEAK_PASSWORD (the environment keeps a password
 * out of the shell history and the process list). Never written into a report: run.ts redacts them.
 */
export function credentialsFrom(
  flags: { username?: string; password?: string },
  env: NodeJS.ProcessEnv,
): Credentials | undefined {
  const username = flags.username ?? env.MQLEAK_USERNAME;
  const password = flags.password ?? env.MQLEAK_PASSWORD;
  if (username === undefined || username === '') {
    if (password !== undefined && password !== '') {
      throw usageError(
        'a password without a user name',
        'give --username (or MQLEAK_USERNAME) with --password (or MQLEAK_PASSWORD)',
      );
    }
    return undefined;
  }
  return password === undefined ? { username } : { username, password };
}

/** `--source-ip ADDR` (repeatable): each an IP address; duplicates dropped. */
export function parseSourceIps(raw: readonly string[]): string[] {
  return [...new Set(raw.map(options.sourceIp.parse))];
}

/** A token shorter than this is a typo or a placeholder, not a secret (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 16;

/** `--token-file FILE`, else MQLEAK_TOKEN. The token is never printed: errors name the file or the variable only. */
export async function readAgentToken(file: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  let token: string;
  let from: string;
  if (file !== undefined) {
    from = `--token-file ${file}`;
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch (error) {
      throw usageError(
        `${from}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        'give a readable file holding the shared token (e.g. from `openssl rand -hex 32`)',
      );
    }
  } else if (env.MQLEAK_TOKEN !== undefined) {
    from = 'MQLEAK_TOKEN';
    token = env.MQLEAK_TOKEN.trim();
  } else {
    throw usageError(
      'no shared token: agents and their coordinator authenticate with one',
      'give --token-file FILE or set MQLEAK_TOKEN, the same on the coordinator and every agent',
    );
  }
  if (token.length < MIN_TOKEN_LENGTH)
    throw usageError(
      `${from}: the token is shorter than ${MIN_TOKEN_LENGTH} characters`,
      'use a random secret, e.g. `openssl rand -hex 32`',
    );
  return token;
}

async function readPem(file: string, flag: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`${flag} ${file}: cannot read it (${error.code ?? 'error'})`, 'give a readable PEM file');
  });
}

/** The coordinator's flags (`run --agents`): how many agents, where they dial in, the shared token, TLS. */
async function agentRunOptions(
  flags: RunFlags,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<AgentRunOptions | undefined> {
  const agentOnly = (['listen', 'tokenFile', 'listenCert', 'listenKey'] as const).filter(
    (name) => flags[name] !== undefined,
  );
  if (flags.agents === undefined) {
    if (agentOnly.length > 0)
      throw usageError(`${options[agentOnly[0] as 'listen'].flags.split(' ')[0]} without --agents`, 'add --agents N');
    return undefined;
  }
  const count = options.agents.parse(flags.agents);
  if (flags.listen === undefined)
    throw usageError('--agents without --listen', 'give the address agents dial in to, e.g. --listen 0.0.0.0:7700');
  const listen = options.listen.parse(flags.listen);
  if ((flags.listenCert === undefined) !== (flags.listenKey === undefined))
    throw usageError('--listen-cert and --listen-key go together', 'give both (PEM) for wss://, or neither for ws://');
  const waitMs = options.agentsWait.parse(flags.agentsWait ?? options.agentsWait.default);
  const token = await readAgentToken(flags.tokenFile, env);
  const tls =
    flags.listenCert === undefined || flags.listenKey === undefined
      ? undefined
      : { cert: await readPem(flags.listenCert, '--listen-cert'), key: await readPem(flags.listenKey, '--listen-key') };
  return { count, listen, token, waitMs, ...(tls === undefined ? {} : { tls }), log };
}

/** A `mqleak agent` whose flags passed: where to dial, with which token, as whom. */
export interface ValidAgent {
  url: string;
  token: string;
  agentId: string;
  sourceIps: string[];
  ca?: string;
  connectWaitMs: number;
}

/** Every check of `mqleak agent`, before it dials the coordinator. */
export async function validateAgent(flags: AgentFlags, env: NodeJS.ProcessEnv): Promise<ValidAgent> {
  const agent = AGENT_COMMAND.options;
  const { host, port } = agent.coordinator.parse(flags.coordinator);
  const secure = flags.tls === true || flags.ca !== undefined || flags.coordinator.startsWith('wss://');
  // The Kubernetes Indexed Job's completion index names the pod's agent; else the process id.
  const agentId = agent.id.parse(flags.id ?? env.JOB_COMPLETION_INDEX ?? String(process.pid));
  const connectWaitMs = agent.wait.parse(flags.wait ?? agent.wait.default);
  const sourceIps = [...new Set(flags.sourceIp.map(agent.sourceIp.parse))];
  const ca = flags.ca === undefined ? undefined : await readPem(flags.ca, '--ca');
  const token = await readAgentToken(flags.tokenFile, env);
  const url = `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url, token, agentId, sourceIps, connectWaitMs, ...(ca === undefined ? {} : { ca }) };
}

/** `--threshold` flags: the form, and that a named scenario is in the run (or the report). */
export function parseThresholdFlags(
  texts: readonly string[],
  scenarios: readonly string[],
  source: ThresholdResult['source'],
): SourcedThreshold[] {
  return texts.map((text) => {
    const where = `--threshold ${text}`;
    const spec = parseThresholdSpec(text, where);
    if (spec.scenario !== null && !scenarios.includes(spec.scenario)) {
      throw usageError(
        `${where}: no scenario named '${spec.scenario}' in this run`,
        `scenarios: ${scenarios.join(', ')}; or '*:' for all of them`,
      );
    }
    return { spec, source };
  });
}

/** The embedded broker runs: no broker named, none spawned, no PID given. */
export function embeddedBroker(flags: RunFlags): boolean {
  return flags.broker === undefined && flags.spawn === undefined && (flags.pid ?? []).length === 0;
}

function narrowOptions(flags: RunFlags): NarrowOptions | undefined {
  if (flags.narrow === false) return undefined;
  const capMs =
    flags.narrowBudget === undefined ? NARROW_DEFAULT_CAP_MS : options.narrowBudget.parse(flags.narrowBudget);
  // The repro file goes beside the JSON report.
  const reproDir = flags.json !== undefined && flags.json !== '-' ? path.dirname(flags.json) : flags.out;
  return { capMs, reproDir };
}

/** Every check of `mqleak run`, in the order a user reads the command line: flags, then scenarios, then limits. */
export async function validateRun(
  scenarios: readonly string[],
  flags: RunFlags,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  log: (line: string) => void = (line) => process.stderr.write(`mqleak: ${line}\n`),
): Promise<ValidRun> {
  if (flags.all === true && scenarios.length > 0) {
    throw usageError(
      `--all with scenarios named (${scenarios.join(', ')})`,
      'either name scenarios or give --all for every built-in one',
    );
  }
  const quickSuite = scenarios.length === 0 && flags.all !== true;
  const [pid, ...extraPids] = (flags.pid ?? []).map(options.pid.parse);
  const tls = await loadTlsSettings(flags);
  const sampleIntervalMs = options.interval.parse(flags.interval);
  const credentials = credentialsFrom(flags, env);
  const sourceIps = parseSourceIps(flags.sourceIp ?? []);
  const budget = flags.budget === undefined ? undefined : options.budget.parse(flags.budget);
  const soakMs = flags.soak === undefined ? undefined : options.soak.parse(flags.soak);
  if (soakMs !== undefined && flags.budget !== undefined)
    throw usageError(`--soak with --budget ${flags.budget}`, 'a soak runs for its own duration: give one or the other');
  const agents = await agentRunOptions(flags, env, log);
  // Probes, the process choice, scenario files, --set overrides and the budget's fit: the run's own checks.
  const prepared = await prepareRun({
    // Nothing named: the first-run suite, a few scenarios shaped to decide quickly (src/scenario/first-run.ts).
    scenarios: quickSuite ? FIRST_RUN_SCENARIOS : scenarios,
    quick: flags.quick === true || quickSuite,
    overrides: quickSuite ? [...firstRunOverrides(embeddedBroker(flags)), ...flags.set] : flags.set,
    target: {
      broker: flags.broker,
      pid,
      spawn: flags.spawn,
      gcCommand: flags.gcCmd,
      tls,
      noProc: flags.proc === false,
    },
    sampleIntervalMs,
    argv,
    credentials,
    sourceIps,
    budget,
    soakMs,
    probes: flags.probe ?? [],
    extraPids,
    processName: flags.process,
    narrow: narrowOptions(flags),
    attribute: flags.attribute === true,
    ...(agents === undefined ? {} : { agents }),
    autoAttribute: flags.attribute !== false,
  });
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
  return { prepared, thresholds, quickSuite };
}
