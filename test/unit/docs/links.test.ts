// README.md and docs/: every relative link points at a file that exists, and every #anchor at a heading of it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../../', import.meta.url).pathname;

function pages(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return pages(full);
    return name.endsWith('.md') ? [full] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const found = new Set<string>();
  for (const match of text.matchAll(/^#+ (.*)$/gm)) {
    found.add(
      (match[1] ?? '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}_\- ]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return found;
}

test('README.md and docs/: no broken relative link or anchor', () => {
  const broken: string[] = [];
  for (const file of [path.join(ROOT, 'README.md'), ...pages(path.join(ROOT, 'docs'))]) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, , target = ''] of text.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [file2 = '', anchor] = target.split('#');
      const resolved = file2 === '' ? file : path.resolve(path.dirname(file), file2);
      const where = `${path.relative(ROOT, file)}: ${target}`;
      if (!existsSync(resolved)) broken.push(`${where} (no such file)`);
      else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
        broken.push(`${where} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test('README.md is a front door: at most 300 lines, the two set-up commands at its top', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.ok(readme.split('\n').length <= 300, `README.md has ${readme.split('\n').length} lines`);
  const top = readme.split('\n').slice(0, 25).join('\n');
  assert.match(top, /^npm ci && npx mqleak run\b/m);
  assert.match(top, /^npm test\b/m);
});
