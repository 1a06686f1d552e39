import { PROGRAM, type CommandSpec, type OptionSpec } from './options.js';

// docs/cli.md, made from the option table (`npm run docs:cli`); test/unit/cli/options.test.ts fails when it is stale.

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function optionRow(option: OptionSpec): string {
  const notes = [
    option.required === true ? 'required' : null,
    option.default === undefined ? null : `default \`${option.default}\``,
    option.repeatable === true ? 'repeatable' : null,
    option.accepts === undefined ? null : option.accepts,
  ].filter((note): note is string => note !== null);
  return `| \`${cell(option.flags)}\` | ${cell(option.description)} | ${cell(notes.join('; '))} |`;
}

function commandSection(command: CommandSpec): string {
  const usage = [`mqleak ${command.name}`, ...command.arguments.map((argument) => argument.name), '[options]'];
  const lines = [`## mqleak ${command.name}`, '', command.description, '', '```', usage.join(' '), '```', ''];
  for (const argument of command.arguments) {
    lines.push(
      `- \`${argument.name}\`: ${argument.description}${argument.details === undefined ? '' : `. ${argument.details}`}`,
    );
  }
  if (command.arguments.length > 0) lines.push('');
  lines.push('| option | what it does | default, accepts |', '|---|---|---|');
  for (const option of Object.values(command.options)) lines.push(optionRow(option));
  const detailed = Object.values(command.options).filter((option) => option.details !== undefined);
  if (detailed.length > 0) lines.push('', `More on the options of \`mqleak ${command.name}\`:`, '');
  for (const option of detailed) lines.push(`- \`${option.flags}\`: ${option.details}`);
  if (command.helpAfter !== undefined) lines.push('', '```', command.helpAfter.trim(), '```');
  return lines.join('\n');
}

/** The whole page, as `npm run docs:cli` writes it. */
export function renderCliDoc(): string {
  return `${[
    '# mqleak command line',
    '',
    '<!-- Generated from src/cli/options.ts by `npm run docs:cli`: edit the table there, not this page. -->',
    '',
    PROGRAM.description,
    'Every flag is checked before any connection (src/cli/validate.ts): a bad one is a one-line usage error',
    'naming it, exit 64.',
    '',
    ...PROGRAM.commands.map(commandSection).flatMap((section) => [section, '']),
  ]
    .join('\n')
    .trimEnd()}\n`;
}
