// The JSON report keeps its shape (schema/report.schema.json) with the sample series packed as columns, one column
// per line, the rest pretty-printed; the round trip through the reader is tested in packed-series.test.ts.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { RunReport } from '../../../src/core/report-model.js';
import { renderJson } from '../../../src/report/json/render-json.js';

for (const name of ['quick-clean', 'quick-leak']) {
  test(`${name}: the rendered JSON packs each series column on one line, the rest pretty, smaller`, async () => {
    const text = await readFile(new URL(`../../fixtures/reports/${name}.json`, import.meta.url), 'utf8');
    const report = JSON.parse(text) as RunReport;
    const rendered = renderJson(report);
    const written = JSON.parse(rendered) as RunReport;
    const { samples: _samples, ...rest } = written.scenarios[0] as RunReport['scenarios'][number];
    const { samples: _before, ...restBefore } = report.scenarios[0] as RunReport['scenarios'][number];
    assert.deepEqual(rest, restBefore, 'every field but the series is written as it is');
    assert.match(rendered, /\n {10}"t": \{"delta":\[\d+,\d+,/, 'a column is one line');
    assert.ok(rendered.length < JSON.stringify(report, null, 2).length * 0.5, 'the series are compact');
    assert.ok(rendered.includes('\n  "scenarios": [\n'), 'the rest stays pretty-printed');
  });
}

test('an empty series is an empty packed series', () => {
  const rendered = renderJson({ scenarios: [{ samples: [] }] } as unknown as RunReport);
  assert.deepEqual(JSON.parse(rendered).scenarios, [
    { samples: { encoding: 'columns-delta-v1', length: 0, columns: {} } },
  ]);
});
