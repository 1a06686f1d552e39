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
import { prepareRun, type PreparedRun } from '../run/run.js';
import { loadTlsSettings } from '../target/tls-settings.js';
import type { SourcedThreshold } from '../verdict/limit-checks.js';
import { RUN_COMMAND } from './options.js';

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
  // Probes, the process choice, scenario files, --set overrides and the budget's fit: the run's own checks.
  const prepared = await prepareRun({
    scenarios,
    quick: flags.quick === true || quickSuite,
    overrides: flags.set,
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
