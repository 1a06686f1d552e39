import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../errors.js';
import { VERSION } from '../version.js';
import { listCommand } from './list-command.js';
import { reportError } from './output.js';
import { runCommand, type RunFlags, type Streams } from './run-command.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const RUN_HELP_AFTER = `
Target (where the broker is, which process to watch):
  (nothing)                       an embedded Aedes broker mqleak starts and stops
  --broker mqtt://HOST:PORT       a running broker; its process is found from the port when local
  --broker URL --pid N            a running broker and its process id
  --spawn "CMD" [--broker URL]    mqleak starts the broker (default port 1883) and stops it after

Exit codes: 0 all PASS, 1 a LEAK, 2 INCONCLUSIVE and no LEAK, 3 the target failed,
            4 mqleak failed, 64 bad usage or scenario file.

Examples:
  mqleak run                                      the built-in scenarios against the embedded broker
  mqleak run --quick connect-churn                a short run of one scenario
  mqleak run health-check-churn --broker mqtt://127.0.0.1:1883 --pid $(pgrep -n mosquitto)
  mqleak run --spawn "mosquitto -p 1884" --broker mqtt://127.0.0.1:1884 --json -`;

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
    .option('--pid <n>', 'process id of the broker, to sample its memory, fds, threads and CPU')
    .option('--spawn <cmd>', 'start the broker with this command, watch it, stop it at the end')
    .option('--gc-cmd <cmd>', 'run before each floor to force a garbage collection ({pid} is replaced), e.g. "jcmd {pid} GC.run"')
    .option('--set <key=value>', 'override a scenario parameter, [SCENARIO:]KEY=VALUE; thresholds.METRIC=BYTES sets δ (repeatable)', collect, [])
    .option('--quick', 'a short run (fewer, smaller cycles): a smoke test, not a gate')
    .option('--json <file>', 'also write the JSON report here (- for stdout)')
    .option('--out <dir>', 'folder for the JSON report', 'reports')
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
    .command('list')
    .description('list the built-in scenarios with a one-line description and their durations')
    .option('--json', 'as JSON')
    .action(async (flags: { json?: boolean }) => {
      result.code = await listCommand(flags, io);
    });
  return program;
}

/** Runs the CLI and returns the exit code (bin/mqleak.js sets it); never throws. */
export async function main(argv: string[], io: Streams = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
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
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return ExitCode.usage; // commander already printed its one line
    }
    return reportError(error, verbose.on, io.stderr);
  }
}
