// The layout in figures: `node scripts/layout-report.mjs [ROOT]` (default: this checkout) prints, as JSON,
// the files and lines per folder of src/, the folder pairs that import each other, the imports that go
// against docs/development.md's table, the file-level import circles, README.md's lines, lines over 120
// characters in src/ test/ bench/, and what src/index.ts exports. Run it on another checkout to compare
// (e.g. `git worktree add /tmp/before 2a9927d && node scripts/layout-report.mjs /tmp/before`).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(process.argv[2] ?? '.');
const src = path.join(root, 'src');

/** docs/development.md's table: what each folder may import (run: everything but cli; cli: everything). */
const MAY_IMPORT = {
  core: [],
  net: ['core'],
  protocol: ['core'],
  analysis: ['core'],
  verdict: ['core', 'analysis'],
  report: ['core', 'analysis', 'verdict'],
  sample: ['core', 'net'],
  target: ['core', 'net'],
  attribute: ['core', 'net', 'sample', 'target'],
  load: ['core', 'net', 'sample', 'target'],
  patterns: ['core', 'net', 'protocol', 'load', 'sample', 'target'],
  scenario: ['core', 'protocol', 'patterns'],
};

function walk(dir, keep) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full, keep);
    return keep(full) ? [full] : [];
  });
}

const files = walk(src, (file) => file.endsWith('.ts'));
const folderOf = (file) => path.relative(src, file).split(path.sep)[0].replace(/\.ts$/, '') || '.';
const lineCount = (file) => readFileSync(file, 'utf8').split('\n').length;

const folders = {};
for (const file of files) {
  const folder = path.relative(src, file).includes(path.sep) ? folderOf(file) : '(top)';
  folders[folder] ??= { files: 0, lines: 0 };
  folders[folder].files++;
  folders[folder].lines += lineCount(file);
}

// Every relative import and export-from of every file, resolved to the file it names.
const edges = new Map(files.map((file) => [file, new Set()]));
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/(?:import|export)[^'"`;]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)) {
    const spec = match[1] ?? match[2];
    const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
    if (edges.has(target)) edges.get(file).add(target);
  }
}

const pairs = new Map();
const against = [];
for (const [file, targets] of edges) {
  for (const target of targets) {
    const [from, to] = [folderOf(file), folderOf(target)];
    if (from === to || !path.relative(src, file).includes(path.sep) || !path.relative(src, target).includes(path.sep))
      continue;
    pairs.set(`${from}->${to}`, (pairs.get(`${from}->${to}`) ?? 0) + 1);
    const allowed = MAY_IMPORT[from];
    if (allowed !== undefined && !allowed.includes(to)) against.push(`${path.relative(root, file)} -> ${to}`);
  }
}
const mutual = [...pairs.keys()]
  .map((key) => key.split('->'))
  .filter(([from, to]) => from < to && pairs.has(`${to}->${from}`))
  .map(([from, to]) => `${from}<->${to}`);

// File-level circles: the strongly connected components of more than one file (Tarjan).
const circles = [];
{
  let index = 0;
  const stack = [];
  const info = new Map();
  const strong = (file) => {
    info.set(file, { index, low: index, onStack: true });
    index++;
    stack.push(file);
    for (const next of edges.get(file)) {
      if (!info.has(next)) {
        strong(next);
        info.get(file).low = Math.min(info.get(file).low, info.get(next).low);
      } else if (info.get(next).onStack) info.get(file).low = Math.min(info.get(file).low, info.get(next).index);
    }
    if (info.get(file).low === info.get(file).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        info.get(member).onStack = false;
        component.push(path.relative(src, member));
      } while (member !== file);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const file of files) if (!info.has(file)) strong(file);
}

// What src/index.ts exports, by the compiler's own reading.
const index = path.join(src, 'index.ts');
const program = ts.createProgram([index], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
});
const checker = program.getTypeChecker();
const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(index));
const exported = checker.getExportsOfModule(moduleSymbol).map((symbol) => {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  return { name: symbol.getName(), value: (target.flags & ts.SymbolFlags.Value) !== 0 };
});
const values = exported.filter((entry) => entry.value).map((entry) => entry.name);

const over120 = ['src', 'test', 'bench']
  .filter((dir) => existsSync(path.join(root, dir)))
  .flatMap((dir) => walk(path.join(root, dir), (file) => /\.(ts|mjs|js)$/.test(file) && !file.includes('fixtures')))
  .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
  .filter((line) => line.length > 120);

const readme = path.join(root, 'README.md');
process.stdout.write(
  `${JSON.stringify(
    {
      root,
      srcFolders: folders,
      srcTotal: { files: files.length, lines: files.reduce((sum, file) => sum + lineCount(file), 0) },
      foldersImportingEachOther: mutual,
      importsAgainstTheTable: against.length,
      importsAgainstTheTableList: against,
      fileImportCircles: circles,
      readmeLines: existsSync(readme) ? readFileSync(readme, 'utf8').split('\n').length - 1 : null,
      linesOver120: { count: over120.length, longest: Math.max(0, ...over120.map((line) => line.length)) },
      indexExports: {
        names: exported.length,
        values: values.length,
        upperCaseConstants: values.filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name)).length,
        valueNames: values.sort(),
      },
    },
    null,
    2,
  )}\n`,
);
