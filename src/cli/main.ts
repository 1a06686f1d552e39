import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { agentCommand, type AgentFlags } from './agent-command.js';
import { compareCommand, type CompareFlags } from './compare-command.js';
import { listCommand } from './list-command.js';
import { reportCommand, type ReportFlags } from './report-command.js';
import { reportError } from './output.js';
import {
  AGENT_COMMAND,
  COMPARE_COMMAND,
  LIST_COMMAND,
  PROGRAM,
  REPORT_COMMAND,
  RUN_COMMAND,
  type CommandSpec,
  type OptionSpec,
} from './options.js';
import { runCommand, type RunFlags, type Streams } from './run-command.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Commander's option for one row of the table: the flag, its description, its default or collector. */
function commanderOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.repeatable === true) option.default([]).argParser(collect);
  else if (spec.default !== undefined) option.default(spec.default);
  if (spec.required === true) option.makeOptionMandatory();
  return option;
}

/** A commander subcommand from its table entry; `action` receives the arguments then the flags. */
function addCommand(program: Command, spec: CommandSpec): Command {
  const command = program.command(spec.name).description(spec.description);
  for (const argument of spec.arguments) command.argument(argument.name, argument.description);
  for (const option of Object.values(spec.options)) command.addOption(commanderOption(option));
  if (spec.helpAfter !== undefined) command.addHelpText('after', spec.helpAfter);
  return command;
}

function buildProgram(io: Streams, argv: string[], result: { code: number }, verbose: { on: boolean }): Command {
  const program = new Command(PROGRAM.name)
    .description(PROGRAM.description)
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`mqleak: ${text.replace(/^error: /, '')}`),
    });

  addCommand(program, RUN_COMMAND).action(async (scenarios: string[], flags: RunFlags) => {
    verbose.on = flags.verbose === true;
    result.code = await runCommand(scenarios, flags, argv, io);
  });
  addCommand(program, COMPARE_COMMAND).action(async (base: string, next: string, flags: CompareFlags) => {
    result.code = await compareCommand(base, next, flags, io);
  });
  addCommand(program, REPORT_COMMAND).action(async (file: string, flags: ReportFlags) => {
    result.code = await reportCommand(file, flags, io);
  });
  addCommand(program, LIST_COMMAND).action(async (flags: { json?: boolean }) => {
    result.code = await listCommand(flags, io);
  });
  addCommand(program, AGENT_COMMAND).action(async (flags: AgentFlags) => {
    verbose.on = flags.verbose === true;
    result.code = await agentCommand(flags, io);
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
