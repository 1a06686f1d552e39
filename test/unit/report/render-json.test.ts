// The JSON report keeps its shape while the sample series are written one sample per line.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { RunReport } from '../../../src/core/report-model.js';
import { renderJson } from '../../../src/report/json/render-json.js';

for (const name of ['quick-clean', 'quick-leak']) {
  test(`${name}: the rendered JSON parses back to the same report, each sample on one line, smaller`, async () => {
    const text = await readFile(new URL(`../../fixtures/reports/${name}.json`, import.meta.url), 'utf8');
    const report = JSON.parse(text) as RunReport;
    const rendered = renderJson(report);
    assert.deepEqual(JSON.parse(rendered), report);
    const samples = report.scenarios.flatMap((scenario) => [...scenario.samples, ...(scenario.selfSamples ?? [])]);
    assert.ok(samples.length > 0);
    for (const sample of samples.slice(0, 50)) assert.ok(rendered.includes(`${JSON.stringify(sample)}`));
    assert.ok(rendered.length < JSON.stringify(report, null, 2).length * 0.7, 'the series are compact');
    assert.ok(rendered.includes('\n  "scenarios": [\n'), 'the rest stays pretty-printed');
  });
}

test('an empty series stays an empty array', () => {
  const rendered = renderJson({ scenarios: [{ samples: [] }] } as unknown as RunReport);
  assert.deepEqual(JSON.parse(rendered), { scenarios: [{ samples: [] }] });
});
