// docs/development.md's import rule table and biome.json's per-folder overrides say the same thing.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

// Every folder of src/ (a new one needs a row and an override); run may import all but cli, cli everything.
const ALL = readdirSync(new URL('../../../src/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const FOLDERS = ALL.filter((folder) => folder !== 'run' && folder !== 'cli');

interface Override {
  includes: string[];
  linter?: { rules?: { style?: { noRestrictedImports?: { options?: { patterns?: { group: string[] }[] } } } } };
}

test('docs/development.md: the import rule table is what biome.json enforces', async () => {
  const page = await readFile(new URL('../../../docs/development.md', import.meta.url), 'utf8');
  const biome = JSON.parse(await readFile(new URL('../../../biome.json', import.meta.url), 'utf8')) as {
    overrides: Override[];
  };
  const allowed = new Map<string, string[]>();
  for (const line of page.split('\n')) {
    const row = /^\| ([a-z, ]+) \| (.+) \|$/.exec(line);
    if (row === null) continue;
    const folders = (row[1] ?? '').split(', ');
    if (!folders.every((folder) => ALL.includes(folder))) continue;
    // The folders before the parenthesis; "everything below" is every folder above run in the table.
    const text = (row[2] ?? '').split('(')[0] ?? '';
    const may = text.startsWith('everything below')
      ? FOLDERS
      : text.startsWith('everything')
        ? ALL
        : ALL.filter((other) => new RegExp(`\\b${other}\\b`).test(text));
    for (const folder of folders) allowed.set(folder, text.startsWith('nothing') ? [] : may);
  }
  assert.deepEqual([...allowed.keys()].sort(), [...ALL].sort(), 'a row for every folder');
  for (const folder of ALL) {
    const override = biome.overrides.find((entry) => entry.includes.includes(`src/${folder}/**/*.ts`));
    const group = override?.linter?.rules?.style?.noRestrictedImports?.options?.patterns?.[0]?.group ?? [];
    const forbidden = group.map((pattern) => pattern.replace(/\*\*\//g, '').replace(/\/\*\*$/, '')).sort();
    const expected = ALL.filter((other) => other !== folder && !(allowed.get(folder) ?? []).includes(other)).sort();
    assert.deepEqual(forbidden, expected, `${folder}: biome.json forbids exactly what the table does not allow`);
  }
});
