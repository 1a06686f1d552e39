// The HTML report shows each agent's part of a scenario run over agents (scenarios[].agents) and marks
// the cycle an agent was lost in; what an agent reports about itself is escaped like everything else.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import type { AgentReport, RunReport } from '../../../src/core/report-model.js';
import { renderHtml } from '../../../src/report/html/render-html.js';
import { reportSchema } from '../../../src/report/read-report.js';
import { strictSchema } from '../../helpers/strict-schema.js';

async function clean(): Promise<RunReport> {
  return JSON.parse(
    await readFile(new URL('../../fixtures/reports/quick-clean.json', import.meta.url), 'utf8'),
  ) as RunReport;
}

const AGENTS: AgentReport[] = [
  {
    name: '0@pod-a',
    id: '0',
    host: 'pod-a',
    address: '10.1.0.7',
    share: 0.5,
    clientsPerCycle: 50_000,
    processes: 1,
    operations: 250_000,
    failures: 0,
    connectsPerSecond: 3_120,
    selfCheck: { peakRssBytes: 180_000_000, cpuPct: 41.5, status: 'ok' },
    lost: null,
    lostInCycle: null,
  },
  {
    name: '1@<pod-b>',
    id: '1',
    host: '<pod-b>',
    address: '10.1.0.8',
    share: 0.5,
    clientsPerCycle: 50_000,
    processes: 1,
    operations: 150_000,
    failures: 0,
    connectsPerSecond: 2_980,
    selfCheck: { peakRssBytes: 175_000_000, cpuPct: 40.2, status: 'lost' },
    lost: 'its connection dropped (code 1006)',
    lostInCycle: 3,
  },
];

test('each agent is a row: host, share, rate, self-check; the lost one with its cycle; the cycle marked', async () => {
  const report = await clean();
  const scenario = report.scenarios[0];
  assert.ok(scenario !== undefined && scenario.cycles[3] !== undefined);
  scenario.agents = AGENTS;
  scenario.cycles[3].lostAgent = '1@<pod-b>';
  const page = renderHtml(report);
  assert.match(page, /<summary>agents \(2\)<\/summary>/);
  assert.match(page, /<td>0@pod-a<\/td><td>pod-a \(10\.1\.0\.7\)<\/td><td>50 %<\/td>/);
  assert.match(page, /3,120\/s/);
  assert.match(page, /lost in cycle 4: its connection dropped \(code 1006\)/);
  assert.match(page, /measured · agent 1@&lt;pod-b&gt; lost/);
  assert.ok(!page.includes('<pod-b>'), 'what an agent says about itself is escaped');
  // And the report with agents is one the published schema describes, field by field.
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
    strictSchema(reportSchema()) as Record<string, unknown>,
  );
  assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 3)));
});

test('a scenario run on this machine alone has no agents table', async () => {
  assert.doesNotMatch(renderHtml(await clean()), /<summary>agents/);
});
