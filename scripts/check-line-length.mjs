// npm run lint: no line over 120 characters in src/, test/, bench/ and scripts/ (Biome formats code at 120
// but leaves comments and strings alone). Exceptions, each because it cannot be wrapped:
// - a line whose only long part is one URL (a link must stay whole to be followed);
// - a line that is one regular expression literal (a regex cannot be split without rewriting it as a string);
// - test/fixtures/: recorded reports and broker fixtures, kept byte for byte as they were written.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const LIMIT = 120;
const ROOTS = ['src', 'test', 'bench', 'scripts'];
const EXTENSIONS = new Set(['.ts', '.mjs', '.js', '.c']);
const SKIPPED = [path.join('test', 'fixtures')];
const URL = /\b[a-z][a-z0-9+.-]*:\/\/\S+/g;

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (SKIPPED.some((skip) => full.startsWith(skip))) continue;
    if (entry.isDirectory()) yield* files(full);
    else if (EXTENSIONS.has(path.extname(entry.name))) yield full;
  }
}

/** True when the line fits once its URLs are counted as one character each. */
const fitsWithoutUrls = (line) => line.replace(URL, 'u').length <= LIMIT;
/** A line holding nothing but a regex literal (an argument, or the value of a constant). */
const REGEX_LINE = /^\s*(?:(?:export )?const \w+ =\s*)?\/.+\/[dgimsuvy]*[,;)]*$/;

let over = 0;
for (const root of ROOTS) {
  for await (const file of files(root)) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, index) => {
      if (line.length <= LIMIT || fitsWithoutUrls(line) || REGEX_LINE.test(line)) return;
      over++;
      process.stderr.write(`${file}:${index + 1}: ${line.length} characters (at most ${LIMIT})\n`);
    });
  }
}
if (over > 0) {
  process.stderr.write(`${over} line(s) over ${LIMIT} characters: wrap them (comments and strings too)\n`);
  process.exit(1);
}
