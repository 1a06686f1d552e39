// npm run docs:cli: writes docs/cli.md from the option table in src/cli/options.ts.
import { writeFile } from 'node:fs/promises';
import { renderCliDoc } from '../src/cli/cli-doc.ts';

const target = new URL('../docs/cli.md', import.meta.url);
await writeFile(target, renderCliDoc());
process.stdout.write(`wrote ${target.pathname}\n`);
