import { formatNumber } from '../../core/format.js';
import type { RunReport } from '../../core/report-model.js';
import { html } from './escape.js';

/**
 * The probes of the run as a small table under the run's facts: what each read, how many of its ticks
 * gave a reading, and every miss with its last error, so a failing probe is visible in the HTML as in
 * the JSON's `probes[]`. Nothing for older reports without probes.
 */
export function probesTable(report: RunReport): string {
  const probes = report.probes ?? [];
  if (probes.length === 0) return '';
  const rows = probes.map((probe) => {
    const missed = probe.failures + probe.timeouts;
    const misses =
      missed === 0
        ? '0'
        : `${formatNumber(missed)}${probe.timeouts > 0 ? ` (${formatNumber(probe.timeouts)} timed out)` : ''}`;
    const lastError =
      probe.lastError === null
        ? '—'
        : `${probe.lastError}${probe.lastErrorMs === null ? '' : ` (at ${formatNumber(probe.lastErrorMs / 1000)} s)`}`;
    return [
      `<tr${missed > 0 ? ' class="row-inconclusive"' : ''}>`,
      `<td>${html(probe.kind)}</td>`,
      `<td><code>${html(probe.source)}</code></td>`,
      `<td>${html(probe.metrics.join(', '))}</td>`,
      `<td class="num">${html(`${formatNumber(probe.readings)} of ${formatNumber(probe.ticks)}`)}</td>`,
      `<td class="num">${html(misses)}</td>`,
      `<td class="num">${html(formatNumber(probe.skipped))}</td>`,
      `<td>${html(lastError)}</td>`,
      '</tr>',
    ].join('');
  });
  return (
    `<h3 style="margin-top:16px">Probes</h3><div class="table-wrap"><table ` +
    `class="probes"><thead><tr><th>probe</th><th>reads</th><th>metrics</th>` +
    `<th>readings</th><th>failed</th><th>skipped</th><th>last ` +
    `error</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}
