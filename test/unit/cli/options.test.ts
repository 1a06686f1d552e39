// The option table is the one source of the parser, --help and docs/cli.md.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { renderCliDoc } from '../../../src/cli/cli-doc.js';
import { main } from '../../../src/cli/main.js';
import { PROGRAM } from '../../../src/cli/options.js';
import { mainCli } from '../../helpers/main-cli.js';

test(
  'docs/cli.md is what the option table generates (run `npm run docs:cli` after changing ' + 'src/cli/options.ts)',
  async () => {
    const written = await readFile(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    assert.equal(written, renderCliDoc(), 'docs/cli.md is stale: run npm run docs:cli');
  },
);

test('every option of the table is in its command --help and on docs/cli.md', async () => {
  const doc = renderCliDoc();
  for (const command of PROGRAM.commands) {
    let help = '';
    const sink = {
      write: (text: string) => {
        help += text;
        return true;
      },
      isTTY: false,
    } as unknown as NodeJS.WriteStream;
    await main(['node', 'mqleak', command.name, '--help'], { stdout: sink, stderr: sink, env: {} });
    for (const option of Object.values(command.options)) {
      const long = option.flags.split(/[ ,]+/).find((part) => part.startsWith('--')) ?? option.flags;
      assert.ok(help.includes(long), `${command.name} --help shows ${long}`);
      assert.ok(doc.includes(`\`${option.flags}\``), `docs/cli.md shows ${option.flags}`);
    }
  }
});

test('the table parsers refuse bad values as usage errors naming the flag (exit 64, one line)', async () => {
  for (const [args, message] of [
    [['--interval', '5'], /^mqleak: --interval 5: not a sampling interval\n {2}hint: milliseconds from 10 to 60000/],
    [['--budget', '3s'], /^mqleak: --budget 3s: not a time budget/],
    [['--soak', '1s'], /^mqleak: --soak 1s: not a soak duration/],
    [['--soak', '90s', '--budget', '10m'], /^mqleak: --soak with --budget 10m/],
    [['--pid', '0'], /^mqleak: --pid 0: not a process id/],
    [['--source-ip', 'nowhere'], /^mqleak: --source-ip nowhere: not an IP address/],
  ] as const) {
    const result = await mainCli(['run', 'connect-churn', ...args]);
    assert.equal(result.code, 64, args.join(' '));
    assert.match(result.stderr, message);
  }
});
