import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { agentCommand, type AgentFlags } from './agent-command.js';
import { compareCommand, type CompareFlags } from './compare-command.js';
import { listCommand } from './list-command.js';
import { reportCommand, type ReportFlags } from './report-command.js';
import { reportError } from './output.js';
import { runCommand, type RunFlags, type Streams } from './run-command.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

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

function buildProgram(io: Streams, argv: string[], result: { code: number }, verbose: { on: boolean }): Command {
  const program = new Command('mqleak')
    .description('Finds memory and resource leaks in MQTT brokers.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`mqleak: ${text.replace(/^error: /, '')}`),
    });

  program
    .command('run')
    .description('run scenarios against a broker and judge each metric: LEAK, PASS or INCONCLUSIVE')
    .argument('[scenario...]', 'scenario names (see `mqleak list`) or scenario files; default: all built-in scenarios')
    .option('--broker <url>', 'broker to test, mqtt://HOST:PORT (default: an embedded broker)')
    .option(
      '--pid <n>',
      'process id of the broker, to sample its memory, fds, threads and CPU; repeat for every node of a cluster (judged summed and per process)',
      collect,
      [],
    )
    .option(
      '--process <name>',
      'watch every process of this name too (comm or program name, e.g. beam.smp): a cluster on this machine',
    )
    .option(
      '--probe <kind[:arg]>',
      "sample more figures of the broker (repeatable): sys ($SYS topics), 'http:URL#SELECTOR' (Prometheus or JSON), cgroup:PATH, 'cmd:COMMAND', proc:PID,…; see the README",
      collect,
      [],
    )
    .option(
      '--no-proc',
      "do not look for or sample the broker's process; judge the given probes only (a broker on another host or in a container: implied for a remote --broker with a --probe)",
    )
    .option('--spawn <cmd>', 'start the broker with this command, watch it, stop it at the end')
    .option(
      '--gc-cmd <cmd>',
      'run before each floor to force a garbage collection ({pid} is replaced), e.g. "jcmd {pid} GC.run"',
    )
    .option(
      '--set <key=value>',
      'override a scenario parameter, [SCENARIO:]KEY=VALUE; thresholds.METRIC=BYTES sets δ (repeatable)',
      collect,
      [],
    )
    .option('--quick', 'a short run (fewer, smaller cycles): a smoke test, not a gate')
    .option('--all', 'run every built-in scenario (the default when none is named)')
    .option(
      '--budget <duration>',
      'fit the run into this much time, e.g. 10m, 90s, 1h: cycles, operations and idle times scaled down alike, never below their minimums',
    )
    .option(
      '--soak <duration>',
      'run each scenario as one continuous load for this long (e.g. 90s, 30m, 2h) instead of cycles: floors are window minima, the window sized from the GC period seen',
    )
    .option('--ca <file>', "mqtts:// and wss://: the PEM CA certificate(s) that signed the broker's certificate")
    .option('--cert <file>', 'mqtts:// and wss://: a PEM client certificate (with --key) for a broker that wants one')
    .option('--key <file>', 'the PEM private key of --cert; read only for the handshakes, never written into reports')
    .option('--insecure', "mqtts:// and wss://: do not verify the broker's certificate (self-signed test brokers)")
    .option(
      '--servername <name>',
      "mqtts:// and wss://: the TLS SNI name, checked against the certificate (default: the URL's host name)",
    )
    .option(
      '--username <name>',
      'user name for a broker that refuses anonymous clients (or MQLEAK_USERNAME); never written into reports',
    )
    .option(
      '--password <secret>',
      'its password (better: MQLEAK_PASSWORD, kept out of the shell history); never written into reports',
    )
    .option('--json <file>', 'also write the JSON report here (- for stdout)')
    .option('--out <dir>', 'folder for the JSON report (and the HTML report beside it)', 'reports')
    .option('--html <file>', 'also write the HTML report here (one is always written beside the JSON report)')
    .option('--no-html', 'no HTML report beside the JSON report')
    .option('--junit <file>', 'write a JUnit XML report: one test case per scenario × metric, a failure for LEAK')
    .option(
      '--threshold <limit>',
      "fail the run (exit 1) when a figure breaks a limit, [SCENARIO|*:]METRIC<=NUMBER UNIT/op or /h, e.g. 'connect-churn:rss<=64B/op' (repeatable)",
      collect,
      [],
    )
    .option(
      '--source-ip <addr>',
      'connect from this address of the machine (repeatable: connections spread over them, ~25,000 each per broker port); default: spread over 127.x.y.z for a loopback broker',
      collect,
      [],
    )
    .option(
      '--agents <n>',
      'run the load on N remote agents (`mqleak agent`), waiting for all of them; see docs/distributed.md',
    )
    .option('--listen <host:port>', 'with --agents: where agents dial in (port 0: any free port, printed)')
    .option('--token-file <file>', 'with --agents: file holding the shared token (or MQLEAK_TOKEN); never logged')
    .option(
      '--agents-wait <seconds>',
      'with --agents: how long to wait for the agents, at the start and before each scenario',
      '120',
    )
    .option(
      '--listen-cert <file>',
      'with --agents: PEM certificate, so agents connect over TLS (wss://), with --listen-key',
    )
    .option('--listen-key <file>', 'the PEM private key of --listen-cert')
    .option('--interval <ms>', 'sampling interval in milliseconds', '100')
    .option('-q, --quiet', 'no progress output')
    .addOption(new Option('--no-color', 'no colour in the output'))
    .option('--verbose', 'stack traces for errors')
    .addHelpText('after', RUN_HELP_AFTER)
    .action(async (scenarios: string[], flags: RunFlags) => {
      verbose.on = flags.verbose === true;
      result.code = await runCommand(scenarios, flags, argv, io);
    });

  program
    .command('compare')
    .description(
      'compare two JSON reports: bytes/op per scenario and metric side by side; exit 1 when NEW regressed beyond the intervals',
    )
    .argument('<base>', 'the JSON report to compare against (e.g. the last release)')
    .argument('<new>', 'the JSON report of the run under test')
    .option('--json', 'the comparison as JSON on stdout')
    .addOption(new Option('--no-color', 'no colour in the output'))
    .addHelpText(
      'after',
      "\nA regression: NEW is LEAK where BASE was not, or NEW's interval lies wholly above BASE's and above δ.\nExit codes: 0 no regression, 1 a regression, 64 a file that is not a readable mqleak report.",
    )
    .action(async (base: string, next: string, flags: CompareFlags) => {
      result.code = await compareCommand(base, next, flags, io);
    });

  program
    .command('report')
    .description('re-render a saved JSON report: as the table (default), as HTML, or as JUnit XML')
    .argument('<file>', 'a JSON report written by `mqleak run`')
    .option('--html <out>', 'write the HTML report here')
    .option('--junit <out>', 'write the JUnit XML report here')
    .option(
      '--threshold <limit>',
      'check a limit against the saved figures, exit 1 when broken (repeatable; see `mqleak run --help`)',
      collect,
      [],
    )
    .addOption(new Option('--no-color', 'no colour in the output'))
    .action(async (file: string, flags: ReportFlags) => {
      result.code = await reportCommand(file, flags, io);
    });

  program
    .command('agent')
    .description('run load for a remote coordinator (`mqleak run --agents N --listen HOST:PORT`) until it is done')
    .requiredOption(
      '--coordinator <host:port>',
      'where the coordinator listens for agents (ws:// or wss:// URL also taken)',
    )
    .option('--token-file <file>', 'file holding the shared token (or MQLEAK_TOKEN); never logged')
    .option(
      '--id <id>',
      "this agent's id in the report (default: JOB_COMPLETION_INDEX in a Kubernetes Indexed Job, else the PID)",
    )
    .option('--source-ip <addr>', 'connect to the broker from this address of this host (repeatable)', collect, [])
    .option('--tls', 'the coordinator listens with TLS (wss://)')
    .option('--ca <file>', "PEM CA that signed the coordinator's certificate (implies --tls)")
    .option('--wait <seconds>', 'keep trying to reach the coordinator this long', '120')
    .option('--verbose', 'stack traces for errors')
    .addHelpText(
      'after',
      '\nExit codes: 0 the coordinator finished the run, 4 the coordinator was unreachable or lost, 64 bad usage or refused (wrong token or version).',
    )
    .action(async (flags: AgentFlags) => {
      result.code = await agentCommand(flags, io);
    });

  program
    .command('list')
    .description('list the built-in scenarios with a one-line description and their durations')
    .option('--json', 'as JSON')
    .action(async (flags: { json?: boolean }) => {
      result.code = await listCommand(flags, io);
    });
  return program;
}

/** Runs the CLI and returns the exit code (bin/mqleak.js sets it); never throws. */
export async function main(
  argv: string[],
  io: Streams = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const result = { code: 0 };
  const verbose = { on: argv.includes('--verbose') };
  const program = buildProgram(io, argv, result, verbose);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync(argv);
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return ExitCode.usage; // commander already printed its one line
    }
    return reportError(error, verbose.on, io.stderr);
  }
}
