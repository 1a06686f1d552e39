// The HTML report shows the run's probes (report.probes[]): what each read, its readings, its failures
// and last error, escaped like everything else a broker or a user can put into a report.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { ProbeReport, RunReport } from '../../../src/core/report-model.js';
import { renderHtml } from '../../../src/report/html/render-html.js';

async function clean(): Promise<RunReport> {
  return JSON.parse(
    await readFile(new URL('../../fixtures/reports/quick-clean.json', import.meta.url), 'utf8'),
  ) as RunReport;
}

const PROBES: ProbeReport[] = [
  {
    id: 'proc',
    kind: 'proc',
    source: 'pid 4242',
    metrics: ['proc.rss', 'proc.fds'],
    ticks: 500,
    readings: 500,
    failures: 0,
    timeouts: 0,
    skipped: 0,
    lastError: null,
    lastErrorMs: null,
  },
  {
    id: 'sys',
    kind: 'sys',
    source: 'mqtt://127.0.0.1:1883 $SYS/broker/#',
    metrics: ['sys.heap', 'sys.ghostSessions'],
    ticks: 500,
    readings: 497,
    failures: 3,
    timeouts: 0,
    skipped: 0,
    lastError: 'no $SYS value <yet> & "none"',
    lastErrorMs: 1500,
  },
  {
    id: 'http',
    kind: 'http',
    source: 'http://127.0.0.1:15692/metrics#rabbitmq_connections{vhost="/"}',
    metrics: ['http.rabbitmq_connections'],
    ticks: 500,
    readings: 430,
    failures: 0,
    timeouts: 2,
    skipped: 68,
    lastError: 'no reading within 5000 ms',
    lastErrorMs: 42_000,
  },
];

function probesSection(page: string): string {
  const start = page.indexOf('<h3 style="margin-top:16px">Probes</h3>');
  assert.ok(start >= 0, 'a Probes table');
  return page.slice(start, page.indexOf('</table>', start));
}

test(
  'the run facts carry a table of the probes: source, metrics, readings, failures and the ' + 'last error, escaped',
  async () => {
    const page = renderHtml({ ...(await clean()), probes: PROBES });
    const table = probesSection(page);
    assert.ok(
      page.indexOf('class="facts"') < page.indexOf('>Probes</h3>') &&
        page.indexOf('>Probes</h3>') < page.indexOf('Every scenario and metric'),
      'in the hero card, after the run facts',
    );
    assert.equal(
      [...table.matchAll(/<tr(?: class="row-inconclusive")?><td>/g)].length,
      PROBES.length,
      'a row per probe',
    );
    assert.equal(
      [...table.matchAll(/<tr class="row-inconclusive">/g)].length,
      2,
      'the probes that missed readings are marked',
    );
    assert.match(
      table,
      /<td>sys<\/td><td><code>mqtt:\/\/127\.0\.0\.1:1883 \$SYS\/broker\/#<\/code><\/td><td>sys\.heap, sys\.ghostSessions<\/td><td class="num">497 of 500<\/td><td class="num">3<\/td>/,
    );
    assert.match(
      table,
      /no \$SYS value &lt;yet&gt; &amp; &quot;none&quot; \(at 1\.5 s\)/,
      'the last error, escaped, and when',
    );
    assert.match(table, /rabbitmq_connections\{vhost=&quot;\/&quot;\}/);
    assert.match(table, /<td class="num">2 \(2 timed out\)<\/td><td class="num">68<\/td>/);
    assert.doesNotMatch(table, /<yet>/, 'nothing unescaped');
  },
);

test('no probes in the report (older reports): no table', async () => {
  const report = await clean();
  delete report.probes;
  assert.doesNotMatch(renderHtml(report), />Probes<\/h3>/);
});
