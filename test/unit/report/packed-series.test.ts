// Packed sample series (schemaVersion 2, issue 17 item 6): the JSON renderer packs, the reader unpacks, and what
// comes back is the model that went in, for real reports and for seeded random series (gaps, negative steps,
// non-integers, big values). Reports of schemaVersion 1 (the fixtures, written before packing) still read.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { Chalk } from 'chalk';
import { isMqleakError } from '../../../src/core/errors.js';
import { SCHEMA_VERSION, type RunReport, type SampleReport } from '../../../src/core/report-model.js';
import { renderHtml } from '../../../src/report/html/render-html.js';
import { renderJson } from '../../../src/report/json/render-json.js';
import { packSeries, unpackSeries } from '../../../src/report/json/packed-series.js';
import { renderJunit } from '../../../src/report/junit/render-junit.js';
import { checkReport, readReportFile, reportSchema } from '../../../src/report/read-report.js';
import { renderTable } from '../../../src/report/terminal/table.js';
import { compareReports } from '../../../src/verdict/compare.js';
import { strictSchema } from '../../helpers/strict-schema.js';
import { mulberry32 } from '../../helpers/synthetic.js';

const FIXTURES = ['quick-leak', 'quick-clean'].map(
  (name) => new URL(`../../fixtures/reports/${name}.json`, import.meta.url),
);

async function raw(url: URL): Promise<Record<string, unknown> & RunReport> {
  return JSON.parse(await readFile(url, 'utf8')) as Record<string, unknown> & RunReport;
}

// Strict: every field the packed report holds is described in the schema. Compiled once (it takes ~0.2 s).
const validateStrict = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
  strictSchema(reportSchema()) as Record<string, unknown>,
);

/** A seeded random series: gaps (absent keys), steps both ways, a non-integer column, values past 2^32. */
function randomSeries(seed: number, length: number): SampleReport[] {
  const rand = mulberry32(seed);
  let t = Math.floor(rand() * 1000);
  let rss = 50_000_000 + Math.floor(rand() * 1e6);
  let big = 2 ** 40;
  const series: SampleReport[] = [];
  for (let i = 0; i < length; i++) {
    t += 90 + Math.floor(rand() * 30);
    rss += Math.floor((rand() - 0.5) * 200_000);
    big -= Math.floor(rand() * 3e9);
    const sample: Record<string, number> = { t, lateMs: Math.floor(rand() * 5) };
    if (rand() > 0.2) sample['proc.rss'] = rss;
    if (rand() > 0.5) sample['proc.fds'] = Math.floor(rand() * 40) - 20;
    if (i > 0) sample['proc.cpu'] = rand() * 100;
    if (rand() > 0.3) sample['node.heap'] = big;
    // An integer column with one non-integer reading: the whole column is written plain, still exact.
    sample.mixed = i === 7 ? 0.5 : i;
    series.push(sample as SampleReport);
  }
  return series;
}

test('seeded random series round-trip exactly through pack and unpack (gaps, negative steps, non-integers)', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    for (const length of [0, 1, 2, 50, 400]) {
      const series = randomSeries(seed, length);
      const packed = JSON.parse(JSON.stringify(packSeries(series))) as ReturnType<typeof packSeries>;
      assert.deepEqual(unpackSeries(packed), series, `seed ${seed}, length ${length}`);
      if (length >= 50) {
        assert.ok('delta' in (packed.columns['proc.rss'] ?? {}), 'an integer column is delta-encoded');
        assert.ok('plain' in (packed.columns['proc.cpu'] ?? {}), 'a non-integer column is written plain');
        assert.ok('plain' in (packed.columns.mixed ?? {}), 'one non-integer makes the column plain');
        assert.ok(packed.columns['proc.rss'] && 'delta' in packed.columns['proc.rss']);
      }
    }
  }
});

test('values a running sum would not give back exactly are written plain', () => {
  const series = [
    { t: 0, lateMs: 0, a: Number.MAX_SAFE_INTEGER },
    { t: 1, lateMs: 0, a: -Number.MAX_SAFE_INTEGER },
    { t: 2, lateMs: 0, b: 2 ** 60 },
  ] as unknown as SampleReport[];
  const packed = packSeries(series);
  assert.ok('plain' in (packed.columns.a ?? {}), 'a delta beyond 2^53 is not exact');
  assert.ok('plain' in (packed.columns.b ?? {}), 'an integer beyond 2^53 is not a safe integer');
  assert.deepEqual(unpackSeries(JSON.parse(JSON.stringify(packed))), series);
});

for (const url of FIXTURES) {
  const name = path.basename(url.pathname);
  test(`${name} (version 1): rewritten packed, read back to the same model; contract fields unchanged`, async () => {
    const old = await raw(url);
    assert.equal(old.schemaVersion, 1);
    const model = checkReport(structuredClone(old), name);
    const rendered = renderJson(model);
    const written = JSON.parse(rendered) as Record<string, unknown> & RunReport;
    assert.equal(written.schemaVersion, SCHEMA_VERSION);
    assert.equal(written.schemaVersion, 2);
    // What outside scripts read stays as it was: verdict, exit code, every metric with bytesPerOp and ci.
    assert.equal(written.verdict, old.verdict);
    assert.equal(written.exitCode, old.exitCode);
    written.scenarios.forEach((scenario, index) => {
      assert.deepEqual(scenario.metrics, model.scenarios[index]?.metrics);
      assert.equal((scenario.samples as unknown as { encoding: string }).encoding, 'columns-delta-v1');
    });
    assert.deepEqual(checkReport(written, 'packed.json'), { ...model, schemaVersion: SCHEMA_VERSION });
    assert.ok(rendered.length < JSON.stringify(old, null, 2).length * 0.5, 'the packed report is much smaller');

    assert.ok(validateStrict(written), `every field described: ${JSON.stringify(validateStrict.errors?.slice(0, 3))}`);
  });
}

test('report and compare: an old (version 1) file and its packed rewrite render and compare alike', async () => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'mqleak-packed-'));
  const [leakUrl, cleanUrl] = FIXTURES as [URL, URL];
  const oldLeak = await readReportFile(leakUrl.pathname);
  const packedFile = path.join(folder, 'leak-v2.json');
  await writeFile(packedFile, renderJson(oldLeak));
  const newLeak = await readReportFile(packedFile);
  assert.deepEqual(newLeak, { ...oldLeak, schemaVersion: SCHEMA_VERSION });
  assert.ok(oldLeak.scenarios.every((scenario) => scenario.samples.length > 0));
  const style = new Chalk({ level: 0 });
  assert.equal(renderTable(newLeak, style, 120), renderTable(oldLeak, style, 120));
  assert.equal(renderJunit(newLeak), renderJunit(oldLeak));
  // The HTML names the schemaVersion it was read from in its footer; everything else (charts included) is the same.
  const footer = (html: string): string => html.replace(/report schemaVersion \d+/, 'report schemaVersion N');
  assert.equal(footer(renderHtml(newLeak)), footer(renderHtml(oldLeak)));
  const clean = await readReportFile(cleanUrl.pathname);
  const files = { base: 'clean.json', new: 'leak.json' };
  assert.deepEqual(compareReports(clean, newLeak, files), compareReports(clean, oldLeak, files));
  assert.ok(compareReports(clean, newLeak, files).regressions > 0, 'the leak is still a regression against clean');
});

test('a packed series that does not add up is refused in one line naming file and field (exit 64)', async () => {
  const model = checkReport(await raw(FIXTURES[0] as URL), 'leak.json');
  const written = JSON.parse(renderJson(model)) as { scenarios: { samples: { columns: Record<string, unknown> } }[] };
  const columns = written.scenarios[0]?.samples.columns as Record<string, { delta?: unknown[] }>;
  columns.t?.delta?.pop();
  try {
    checkReport(written, 'short.json');
    assert.fail('expected a refusal');
  } catch (error) {
    assert.ok(isMqleakError(error) && error.exitCode === 64);
    assert.match(
      error.message,
      /^short\.json: not a valid mqleak report: scenarios\.0\.samples: column t has \d+ entries/,
    );
    assert.doesNotMatch(error.message, /\n/);
  }
});
