// The one table of mqleak's commands and options. Commander's parser, `--help` and docs/cli.md
// (`npm run docs:cli`) are all made from it; src/cli/validate.ts runs the per-flag parsers below.
import { isSourceAddress } from '../load/fleet/source-addresses.js';
import { usageError } from '../core/errors.js';
import { parseDuration } from '../run/plan/time-budget.js';

/** One option of one command. */
export interface OptionSpec<T = unknown> {
  /** As commander takes it: `--pid <n>`, `-q, --quiet`, `--no-proc`. */
  flags: string;
  description: string;
  /** Commander's default for the raw value, as given on the command line. */
  default?: string;
  /** The flag may be given more than once; the values are collected in order (default: none). */
  repeatable?: boolean;
  /** The command refuses to run without it (commander's mandatory option). */
  required?: boolean;
  /** Checks one given value and converts it; a bad one is a usage error naming the flag (exit 64). */
  parse?: (raw: string) => T;
  /** What a value may be, for docs/cli.md. */
  accepts?: string;
  /** More than --help has room for, for docs/cli.md only. */
  details?: string;
}

export interface ArgumentSpec {
  /** As commander takes it: `<file>`, `[scenario...]`. */
  name: string;
  description: string;
  /** More than --help has room for, for docs/cli.md only. */
  details?: string;
}

export interface CommandSpec {
  name: string;
  description: string;
  arguments: readonly ArgumentSpec[];
  options: Readonly<Record<string, OptionSpec>>;
  /** Printed after the options by `--help` and in docs/cli.md. */
  helpAfter?: string;
}

/** Below this, the sampler itself would be most of what the broker's process does. */
export const MIN_INTERVAL_MS = 10;
/** Above a minute, a settle window would hold too few samples for a floor. */
export const MAX_INTERVAL_MS = 60_000;
/** Shorter than any scenario's baseline and one cycle: a budget below it is a typo. */
export const MIN_BUDGET_MS = 10_000;
/** Shorter than two fallback windows after the warm-up: nothing could be judged, so it is a typo. */
export const MIN_SOAK_MS = 10_000;
/** A week: longer than any CI job or overnight run; a bound on the load loop, as every loop has one. */
export const MAX_SOAK_MS = 7 * 24 * 3_600_000;

export function parsePid(raw: string): number {
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 0)
    throw usageError(`--pid ${raw}: not a process id`, 'pass a positive integer, e.g. --pid $(pgrep -n mosquitto)');
  return pid;
}

export function parseInterval(raw: string): number {
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw usageError(
      `--interval ${raw}: not a sampling interval`,
      `milliseconds from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`,
    );
  }
  return ms;
}

export function parseBudget(raw: string): { ms: number; text: string } {
  const ms = parseDuration(raw);
  if (!(ms >= MIN_BUDGET_MS))
    throw usageError(`--budget ${raw}: not a time budget`, 'e.g. --budget 10m, 90s, 1h30m (at least 10 s)');
  return { ms, text: raw };
}

export function parseSoak(raw: string): number {
  const ms = parseDuration(raw);
  if (!(ms >= MIN_SOAK_MS && ms <= MAX_SOAK_MS)) {
    throw usageError(
      `--soak ${raw}: not a soak duration`,
      'a duration from 10s to 7 days, e.g. --soak 90s, 30m, 2h, 1h30m',
    );
  }
  return ms;
}

export function parseNarrowBudget(raw: string): number {
  const ms = parseDuration(raw);
  if (!(ms > 0)) throw usageError(`--narrow-budget ${raw}: not a duration`, 'e.g. --narrow-budget 2m, 90s');
  return ms;
}

export function parseSourceIp(raw: string): string {
  if (!isSourceAddress(raw)) {
    throw usageError(
      `--source-ip ${raw}: not an IP address`,
      "give an address of this machine's interfaces, e.g. --source-ip 10.0.0.5 (repeatable)",
    );
  }
  return raw;
}

/** Agents one coordinator takes at most: bounded, like the local worker processes. */
export const MAX_AGENTS = 256;
/** Default for how long the coordinator waits for its agents, and an agent for its coordinator. */
export const DEFAULT_AGENT_WAIT_SECONDS = 120;
/** An hour: longer than any placement of pods; a bound on the wait, as every wait has one. */
export const MAX_AGENT_WAIT_SECONDS = 3600;

export function parseAgentCount(raw: string): number {
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > MAX_AGENTS)
    throw usageError(`--agents ${raw}: not a number of agents`, `a whole number from 1 to ${MAX_AGENTS}`);
  return count;
}

/** `HOST:PORT`, `[V6]:PORT`, or a ws:// / wss:// URL. */
export function parseHostPort(raw: string, flag: string): { host: string; port: number } {
  const match = /^(?:wss?:\/\/)?(\[[^\]]+\]|[^:/[\]]+):(\d+)\/?$/.exec(raw);
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(`${flag} ${raw}: not HOST:PORT`, `e.g. ${flag} 10.0.0.5:7700 (port 0 lets the system pick one)`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** A wait in seconds (`--agents-wait`, the agent's `--wait`), in milliseconds. */
export function parseAgentWait(raw: string, flag: string): number {
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_AGENT_WAIT_SECONDS)
    throw usageError(`${flag} ${raw}: not a wait in seconds`, `seconds from 1 to ${MAX_AGENT_WAIT_SECONDS}`);
  return seconds * 1000;
}

/** An agent's id: it names the agent in lines and reports, so it is kept to a plain word. */
export function parseAgentId(raw: string): string {
  if (!/^[\w.-]{1,64}$/.test(raw))
    throw usageError(`--id ${raw}: not an agent id`, 'letters, digits, ".", "_" and "-", at most 64');
  return raw;
}

const NO_COLOR: OptionSpec = { flags: '--no-color', description: 'no colour in the output' };

const RUN_OPTIONS = {
  broker: {
    flags: '--broker <url>',
    description: 'broker to test, mqtt://HOST:PORT (default: an embedded broker)',
    details:
      '`mqtt://HOST:PORT` (plain TCP), `mqtts://HOST:PORT` (TLS), `ws://HOST:PORT/PATH`, `wss://HOST:PORT/PATH` ' +
      '(WebSocket, path default `/mqtt`): see [transports.md](transports.md); default: the embedded broker, or ' +
      '`127.0.0.1:1883` with `--pid`/`--spawn`.',
  },
  pid: {
    flags: '--pid <n>',
    description:
      'process id of the broker, to sample its memory, fds, threads and CPU; repeat for every node of a cluster ' +
      '(judged summed and per process)',
    repeatable: true,
    parse: parsePid,
    accepts: 'a positive integer',
    details: 'Summed as `proc.*`, each process as `proc[PID].*`, all judged: see [probes.md](probes.md).',
  },
  process: {
    flags: '--process <name>',
    description:
      'watch every process of this name too (comm or program name, e.g. beam.smp): a cluster on this machine',
  },
  probe: {
    flags: '--probe <kind[:arg]>',
    description:
      "sample more figures of the broker (repeatable): sys ($SYS topics), 'http:URL#SELECTOR' (Prometheus or JSON), " +
      "cgroup:PATH, 'cmd:COMMAND', proc:PID,…, jvm[:PID] (by itself for a java broker); see docs/probes.md",
    repeatable: true,
    accepts: '[NAME[:bytes|count|connections|value]=]KIND[:ARG], KIND one of proc, sys, http, cgroup, cmd, jvm',
    details: 'See [probes.md](probes.md).',
  },
  proc: {
    flags: '--no-proc',
    description:
      "do not look for or sample the broker's process; judge the given probes only (a broker on another host or in " +
      'a container: implied for a remote --broker with a --probe)',
    details:
      'Needs `--broker` and at least one `sys`/`http`/`cgroup`/`cmd` probe; refuses `--pid`, `--spawn`, ' +
      '`--process`, `proc:` and `{pid}` in `cmd:`/`--gc-cmd` (exit 64). Implied for a `--broker` on another host ' +
      'given such a probe. See [probes.md](probes.md#a-broker-without-a-visible-process---no-proc).',
  },
  spawn: {
    flags: '--spawn <cmd>',
    description: 'start the broker with this command, watch it, stop it at the end',
    details:
      'Started with `sh -c "exec CMD"`; its PID (or that of the descendant listening on the port) is sampled, and ' +
      'the tail of its output kept for the report.',
  },
  gcCmd: {
    flags: '--gc-cmd <cmd>',
    description: 'run before each floor to force a garbage collection ({pid} is replaced), e.g. "jcmd {pid} GC.run"',
    details:
      "`kill -USR2 {pid}` for mqleak's own fixture broker. A `java` broker gets `jcmd {pid} GC.run` by itself " +
      'when jcmd is on the PATH ([probes.md](probes.md#the-jvm-probe)), and the embedded broker is collected over ' +
      'IPC; without a hook mqleak also judges post-GC troughs: see ' +
      '[verdicts.md](verdicts.md#garbage-collected-brokers---gc-cmd).',
  },
  set: {
    flags: '--set <key=value>',
    description: 'override a scenario parameter, [SCENARIO:]KEY=VALUE; thresholds.METRIC=BYTES sets δ (repeatable)',
    repeatable: true,
    accepts: "a parameter the scenario's pattern declares, within its bounds (`mqleak list`, docs/scenarios/)",
    details:
      '`thresholds.rss=128` (or `1KB`) sets the growth threshold δ per operation. Parameters: ' +
      '[scenarios/format.md](scenarios/format.md) and the page of each scenario family.',
  },
  quick: {
    flags: '--quick',
    description: 'a short run (fewer, smaller cycles): a smoke test, not a gate',
    details: 'It often ends INCONCLUSIVE: too few cycles.',
  },
  all: {
    flags: '--all',
    description: 'run every built-in scenario (the default when none is named)',
    details:
      'What a CI gate should run. Scenarios that need the broker set up first, like `bridge-churn`, run only ' +
      'when named.',
  },
  budget: {
    flags: '--budget <duration>',
    description:
      'fit the run into this much time, e.g. 10m, 90s, 1h: cycles, operations and idle times scaled down alike, ' +
      'never below their minimums',
    parse: parseBudget,
    accepts: 'a duration of at least 10 s (90s, 10m, 1h30m)',
    details: 'See [scenarios/format.md](scenarios/format.md#time-budget).',
  },
  soak: {
    flags: '--soak <duration>',
    description:
      'run each scenario as one continuous load for this long (e.g. 90s, 30m, 2h) instead of cycles: floors are ' +
      'window minima, the window sized from the GC period seen',
    parse: parseSoak,
    accepts: 'a duration from 10 s to 7 days; not with --budget',
    details: 'See [verdicts.md](verdicts.md#soak-runs---soak-duration).',
  },
  attribute: {
    flags: '--attribute',
    description:
      'also find where the growth is allocated: heaptrack stacks for a native broker (--spawn or --pid), V8 heap ' +
      'snapshots for a Node one (--spawn "node ..." or the embedded broker), judged per operation like RSS; see ' +
      'docs/attribution.md',
  },
  noAttribute: {
    flags: '--no-attribute',
    description:
      'after a LEAK, do not rerun the leaking scenario (its narrowed case) with the broker instrumented to find ' +
      'where it grows (done by itself for a broker mqleak starts: --spawn or the embedded broker)',
  },
  narrow: {
    flags: '--no-narrow',
    description:
      'after a LEAK in one variant family, do not rerun it to find the leaking case (narrowing: docs/narrowing.md)',
  },
  narrowBudget: {
    flags: '--narrow-budget <duration>',
    description: 'the most time narrowing may take, e.g. 2m, 90s (default: 5m)',
    parse: parseNarrowBudget,
    accepts: 'a duration, e.g. 2m, 90s',
  },
  ca: {
    flags: '--ca <file>',
    description: "mqtts:// and wss://: the PEM CA certificate(s) that signed the broker's certificate",
    accepts: 'a readable PEM certificate file',
    details:
      "Default: the system's CAs. Read and checked before any connection (a bad file: exit 64 naming the flag); " +
      'only the file names reach the report.',
  },
  cert: {
    flags: '--cert <file>',
    description: 'mqtts:// and wss://: a PEM client certificate (with --key) for a broker that wants one',
    accepts: 'a readable PEM certificate file, with --key',
  },
  key: {
    flags: '--key <file>',
    description: 'the PEM private key of --cert; read only for the handshakes, never written into reports',
    accepts: 'the unencrypted PEM key of --cert',
  },
  insecure: {
    flags: '--insecure',
    description: "mqtts:// and wss://: do not verify the broker's certificate (self-signed test brokers)",
  },
  servername: {
    flags: '--servername <name>',
    description:
      "mqtts:// and wss://: the TLS SNI name, checked against the certificate (default: the URL's host name)",
    accepts: 'a non-empty host name',
  },
  username: {
    flags: '--username <name>',
    description:
      'user name for a broker that refuses anonymous clients (or MQLEAK_USERNAME); never written into reports',
    details: 'Used by every client mqleak opens. Redacted from the recorded command line.',
  },
  password: {
    flags: '--password <secret>',
    description: 'its password (better: MQLEAK_PASSWORD, kept out of the shell history); never written into reports',
    accepts: 'only with a user name',
  },
  json: {
    flags: '--json <file>',
    description: 'also write the JSON report here (- for stdout)',
    details: '`-` writes it to stdout and sends everything else to stderr.',
  },
  out: {
    flags: '--out <dir>',
    description: 'folder for the JSON report (and the HTML report beside it)',
    default: 'reports',
    details:
      'Per run `mqleak-<start time>.json` and the HTML report beside it, `mqleak-<start time>.html`: see ' +
      '[reports.md](reports.md).',
  },
  html: {
    flags: '--html <file>',
    description: 'also write the HTML report here (one is always written beside the JSON report)',
  },
  noHtml: { flags: '--no-html', description: 'no HTML report beside the JSON report' },
  junit: {
    flags: '--junit <file>',
    description: 'write a JUnit XML report: one test case per scenario × metric, a failure for LEAK',
  },
  threshold: {
    flags: '--threshold <limit>',
    description:
      'fail the run (exit 1) when a figure breaks a limit, [SCENARIO|*:]METRIC<=NUMBER UNIT/op or /h, ' +
      "e.g. 'connect-churn:rss<=64B/op' (repeatable)",
    repeatable: true,
    accepts: '[SCENARIO|*:]METRIC<=NUMBER UNIT/op or /h; SCENARIO one of the run',
    details: 'A k6-style limit: see [reports.md](reports.md#thresholds).',
  },
  sourceIp: {
    flags: '--source-ip <addr>',
    description:
      'connect from this address of the machine (repeatable: connections spread over them, ~25,000 each per ' +
      'broker port); default: spread over 127.x.y.z for a loopback broker',
    repeatable: true,
    parse: parseSourceIp,
    accepts: 'an IPv4 or IPv6 address',
    details: 'Otherwise the kernel chooses. See [scale.md](scale.md).',
  },
  agents: {
    flags: '--agents <n>',
    description: 'run the load on N remote agents (`mqleak agent`), waiting for all of them',
    parse: parseAgentCount,
    accepts: `a whole number from 1 to ${MAX_AGENTS}`,
    details:
      'Needs `--listen` and a shared token (`--token-file` or MQLEAK_TOKEN); each agent gets an equal share of ' +
      "every cycle's sessions or operations; the scenario must be of a pattern that splits over agents " +
      '(mass-connect, connect-churn, health-check-churn, will-churn, rejected-connect). See ' +
      '[distributed.md](distributed.md).',
  },
  listen: {
    flags: '--listen <host:port>',
    description: 'with --agents: where agents dial in (port 0: any free port, printed)',
    parse: (raw: string) => parseHostPort(raw, '--listen'),
    accepts: 'HOST:PORT or [IPv6]:PORT, port 0 to 65535',
  },
  tokenFile: {
    flags: '--token-file <file>',
    description: 'with --agents: file holding the shared token (or MQLEAK_TOKEN); never logged',
    accepts: 'a readable file, the token at least 16 characters',
  },
  agentsWait: {
    flags: '--agents-wait <seconds>',
    description: 'with --agents: how long to wait for the agents, at the start and before each scenario',
    default: String(DEFAULT_AGENT_WAIT_SECONDS),
    parse: (raw: string) => parseAgentWait(raw, '--agents-wait'),
    accepts: `seconds from 1 to ${MAX_AGENT_WAIT_SECONDS}`,
  },
  listenCert: {
    flags: '--listen-cert <file>',
    description: 'with --agents: PEM certificate, so agents connect over TLS (wss://), with --listen-key',
    accepts: 'a readable PEM file',
  },
  listenKey: {
    flags: '--listen-key <file>',
    description: 'the PEM private key of --listen-cert',
    accepts: 'a readable PEM file',
  },
  interval: {
    flags: '--interval <ms>',
    description: 'sampling interval in milliseconds',
    default: '100',
    parse: parseInterval,
    accepts: `milliseconds from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`,
  },
  quiet: {
    flags: '-q, --quiet',
    description: 'no progress output',
    details: 'See [reports.md](reports.md#live-progress).',
  },
  color: NO_COLOR,
  verbose: { flags: '--verbose', description: 'stack traces for errors' },
} satisfies Record<string, OptionSpec>;

const RUN_HELP_AFTER = `
Target (where the broker is, which process to watch):
  (nothing)                       an embedded Aedes broker mqleak starts and stops
  --broker mqtt://HOST:PORT       a running broker; its process is found from the port when local
                                  (also mqtts://HOST:PORT, ws://HOST:PORT/mqtt, wss://HOST:PORT/mqtt)
  --broker URL --pid N            a running broker and its process id
  --spawn "CMD" [--broker URL]    mqleak starts the broker (default port 1883) and stops it after
  --broker URL --no-proc --probe KIND
                                  a broker whose process mqleak cannot see (another host, a container):
                                  judged by its probes only (sys, http, cgroup, cmd); implied for a remote host

Exit codes: 0 all PASS, 1 a LEAK or a broken --threshold, 2 INCONCLUSIVE and no LEAK, 3 the target failed,
            4 mqleak failed, 64 bad usage or scenario file.

Examples:
  mqleak run                                      the built-in scenarios against the embedded broker
  mqleak run --quick connect-churn                a short run of one scenario
  mqleak run --all --budget 10m                   the whole library, scaled to fit ten minutes
  mqleak run connect-churn --soak 30m             one continuous 30-minute load, judged on window minima
  mqleak run health-check-churn --broker mqtt://127.0.0.1:1883 --pid $(pgrep -n mosquitto)
  mqleak run connect-churn --broker mqtt://127.0.0.1:1883 --probe sys   (Mosquitto: $SYS heap and clients judged too)
  mqleak run --spawn "mosquitto -p 1884" --broker mqtt://127.0.0.1:1884 --json -
  mqleak run connect-churn --broker mqtts://127.0.0.1:8883 --ca ca.pem
  mqleak run tls-churn --broker mqtts://127.0.0.1:8883 --insecure
  mqleak run health-check-churn --broker wss://127.0.0.1:8084/mqtt --ca ca.pem --cert client.pem --key client.key`;

export const RUN_COMMAND = {
  name: 'run',
  description: 'run scenarios against a broker and judge each metric: LEAK, PASS or INCONCLUSIVE',
  arguments: [
    {
      name: '[scenario...]',
      description: 'scenario names (see `mqleak list`) or scenario files; default: all built-in scenarios',
      details:
        'None named and no `--all`: the first-run suite, three built-in scenarios in short form with memory judged ' +
        'at 1 KB/op, which the embedded broker decides in minutes ([bare-run.md](measurements/bare-run.md)); ' +
        '`--all --quick` runs every built-in scenario in its short form.',
    },
  ],
  options: RUN_OPTIONS,
  helpAfter: RUN_HELP_AFTER,
} satisfies CommandSpec;

export const COMPARE_COMMAND: CommandSpec = {
  name: 'compare',
  description:
    'compare two JSON reports: bytes/op per scenario and metric side by side; exit 1 when NEW regressed beyond the ' +
    'intervals',
  arguments: [
    { name: '<base>', description: 'the JSON report to compare against (e.g. the last release)' },
    { name: '<new>', description: 'the JSON report of the run under test' },
  ],
  options: {
    json: { flags: '--json', description: 'the comparison as JSON on stdout' },
    color: NO_COLOR,
  },
  helpAfter:
    "\nA regression: NEW is LEAK where BASE was not, or NEW's interval lies wholly above BASE's and above δ.\n" +
    'Exit codes: 0 no regression, 1 a regression, 64 a file that is not a readable mqleak report.',
};

export const REPORT_COMMAND: CommandSpec = {
  name: 'report',
  description: 're-render a saved JSON report: as the table (default), as HTML, or as JUnit XML',
  arguments: [{ name: '<file>', description: 'a JSON report written by `mqleak run`' }],
  options: {
    html: { flags: '--html <out>', description: 'write the HTML report here' },
    junit: { flags: '--junit <out>', description: 'write the JUnit XML report here' },
    threshold: {
      flags: '--threshold <limit>',
      description: 'check a limit against the saved figures, exit 1 when broken (repeatable; see `mqleak run --help`)',
      repeatable: true,
      accepts: '[SCENARIO|*:]METRIC<=NUMBER UNIT/op or /h; SCENARIO one of the report',
    },
    color: NO_COLOR,
  },
};

export const LIST_COMMAND: CommandSpec = {
  name: 'list',
  description: 'list the built-in scenarios with a one-line description and their durations',
  arguments: [],
  options: { json: { flags: '--json', description: 'as JSON' } },
};

export const AGENT_COMMAND = {
  name: 'agent',
  description: 'run load for a remote coordinator (`mqleak run --agents N --listen HOST:PORT`) until it is done',
  arguments: [],
  options: {
    coordinator: {
      flags: '--coordinator <host:port>',
      description: 'where the coordinator listens for agents (ws:// or wss:// URL also taken)',
      required: true,
      parse: (raw: string) => parseHostPort(raw, '--coordinator'),
      accepts: 'HOST:PORT, [IPv6]:PORT, ws://HOST:PORT or wss://HOST:PORT',
    },
    tokenFile: {
      flags: '--token-file <file>',
      description: 'file holding the shared token (or MQLEAK_TOKEN); never logged',
      accepts: 'a readable file, the token at least 16 characters',
    },
    id: {
      flags: '--id <id>',
      description:
        "this agent's id in the report (default: JOB_COMPLETION_INDEX in a Kubernetes Indexed Job, else the PID)",
      parse: parseAgentId,
      accepts: 'letters, digits, ".", "_" and "-", at most 64',
    },
    sourceIp: {
      flags: '--source-ip <addr>',
      description: 'connect to the broker from this address of this host (repeatable)',
      repeatable: true,
      parse: parseSourceIp,
      accepts: 'an IPv4 or IPv6 address',
    },
    tls: { flags: '--tls', description: 'the coordinator listens with TLS (wss://)' },
    ca: {
      flags: '--ca <file>',
      description: "PEM CA that signed the coordinator's certificate (implies --tls)",
      accepts: 'a readable PEM file',
    },
    wait: {
      flags: '--wait <seconds>',
      description: 'keep trying to reach the coordinator this long',
      default: String(DEFAULT_AGENT_WAIT_SECONDS),
      parse: (raw: string) => parseAgentWait(raw, '--wait'),
      accepts: `seconds from 1 to ${MAX_AGENT_WAIT_SECONDS}`,
    },
    verbose: { flags: '--verbose', description: 'stack traces for errors' },
  },
  helpAfter:
    '\nExit codes: 0 the coordinator finished the run, 4 the coordinator was unreachable or lost, 64 bad usage or ' +
    'refused (wrong token or version).',
} satisfies CommandSpec;

export const PROGRAM = {
  name: 'mqleak',
  description: 'Finds memory and resource leaks in MQTT brokers.',
  commands: [RUN_COMMAND, COMPARE_COMMAND, REPORT_COMMAND, LIST_COMMAND, AGENT_COMMAND] as readonly CommandSpec[],
};
