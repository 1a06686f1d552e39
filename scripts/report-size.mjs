#!/usr/bin/env node
// What makes a JSON report big (issue 17 item 6): bytes per JSON path, array indices folded into `[]`, largest
// first. A path's bytes are its value's compact JSON length; nested paths are counted inside their parents too.
//
//   node scripts/report-size.mjs REPORT.json [--depth N] [--top N]
//
// `packedEstimate`: the compact size if every `samples` / `selfSamples` series were written column-oriented with
// integer columns as deltas (a first value, then differences). An estimate for schemaVersion 1 reports; since
// version 2 mqleak writes them packed (src/report/json/packed-series.ts) and the estimate is the compact size.
import { readFileSync, statSync } from 'node:fs';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: node scripts/report-size.mjs REPORT.json [--depth N] [--top N]\n');
  process.exit(64);
}
const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const depth = option('--depth', 4);
const top = option('--top', 25);
const report = JSON.parse(readFileSync(file, 'utf8'));
const sizes = new Map();

function walk(value, path, level) {
  const bytes = JSON.stringify(value)?.length ?? 0;
  sizes.set(path, (sizes.get(path) ?? 0) + bytes);
  if (level >= depth || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) for (const item of value) walk(item, `${path}[]`, level + 1);
  else for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, level + 1);
}
walk(report, '$', 0);

const total = sizes.get('$');

/** One series of sample objects as columns: every key's values in time order, integer columns delta-encoded. */
function packSeries(samples) {
  const keys = [...new Set(samples.flatMap((sample) => Object.keys(sample)))];
  const columns = {};
  for (const key of keys) {
    const values = samples.map((sample) => sample[key] ?? null);
    const integers = values.every((value) => value === null || Number.isInteger(value));
    columns[key] = integers
      ? values.map((value, i) => (value === null || i === 0 || values[i - 1] === null ? value : value - values[i - 1]))
      : values;
  }
  return columns;
}
const packed = structuredClone(report);
for (const scenario of packed.scenarios ?? []) {
  for (const key of ['samples', 'selfSamples']) {
    if (Array.isArray(scenario[key])) scenario[key] = packSeries(scenario[key]);
  }
}
const rows = [...sizes]
  .filter(([path]) => path !== '$')
  .sort((a, b) => b[1] - a[1])
  .slice(0, top);
const out = {
  file,
  fileBytes: statSync(file).size,
  compactBytes: total,
  packedEstimate: JSON.stringify(packed).length,
  paths: rows.map(([path, bytes]) => ({ path, bytes, share: Math.round((bytes / total) * 1000) / 1000 })),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
