import { formatPerOp } from '../../core/format.js';
import { explainedText } from '../attribution-figures.js';
import type { ScenarioReport } from '../../core/report-model.js';
import { html } from './escape.js';

// `--attribute` in the HTML report: the sites ranked by growth per operation, a bar each (scaled to the largest
// of the site and the RSS slope), the full stack folded open on click.

const TOOL_NAME = {
  heaptrack: 'heaptrack (allocation stacks)',
  'v8-heap-snapshot': 'V8 heap snapshots (constructors)',
  'jcmd-class-histogram': 'jcmd class histogram (classes)',
  none: 'no tool',
} as const;

export const ATTRIBUTION_STYLES =
  `
.sites { list-style: none; padding: 0; margin: 8px 0 0; }
.sites li { margin: 6px 0; }
.site-bar { display: inline-block; height: 10px; background: var(--leak, #c0392b); ` +
  `border-radius: 3px; vertical-align: middle; margin-right: 8px; }
.site-bar.quiet { background: var(--muted); }
.sites pre { margin: 4px 0 0 18px; font-size: 0.8rem; white-space: pre-wrap; }
`;

export function attributionSection(scenario: ScenarioReport): string {
  const attribution = scenario.attribution;
  if (attribution === undefined) return '';
  if (attribution.status !== 'ok') {
    return (
      '<details class="attribution" open><summary>where it ' +
      `grows: ${html(attribution.status === 'failed' ? 'attribution failed' : 'not available')}</summary><p ` +
      `class="issues">${html(attribution.note)}</p></details>`
    );
  }
  const scale = Math.max(
    attribution.rssBytesPerOp ?? 0,
    ...attribution.sites.map((site) => site.bytesPerOp ?? 0),
    Number.MIN_VALUE,
  );
  // A JVM's sites are compared with its heap after GC, not with RSS.
  const reference = attribution.referenceMetric ?? 'RSS';
  // A retainer path reads from the instance up: each line holds the one above it.
  const lead = attribution.tool === 'v8-heap-snapshot' ? 'held by ' : '';
  const items = attribution.sites.map((site) => {
    const path = site.frames.map((frame) => lead + frame).join('\n');
    const perOp = site.bytesPerOp ?? 0;
    const width = Math.max(1, Math.round((Math.max(0, perOp) / scale) * 240));
    const share = site.shareOfRss === null ? '' : ` · ${Math.round(site.shareOfRss * 100)} % of ${reference}`;
    const instances =
      site.instancesPerOp === undefined || site.instancesPerOp === null
        ? ''
        : ` · ${site.instancesPerOp.toFixed(2)} instances/op`;
    const ci = site.ci === null ? '' : ` [${formatPerOp(site.ci[0], 'B')}, ${formatPerOp(site.ci[1], 'B')}]`;
    return (
      `<li><details><summary><span class="site-bar${site.verdict === 'leak' ? '' : ' quiet'}" ` +
      `style="width:${width}px"></span>${site.rank}. ` +
      `<code>${html(site.label)}</code> ${html(formatPerOp(perOp, 'B'))}${html(ci)}${html(share)}${html(instances)} ` +
      `· ${html(site.verdict === 'leak' ? 'LEAK' : site.verdict === 'pass' ? 'below δ' : 'unsure')}</summary><p ` +
      `class="muted">${html(site.reason)}</p><pre>${html(path)}</pre></details></li>`
    );
  });
  const explained =
    attribution.explainedShare === null
      ? `${reference} did not grow.`
      : `These sites explain ${explainedText(attribution)}.`;
  const { instrumented, plain } = attribution.opsPerSecond;
  const rates =
    `Rate: ${instrumented === null ? '?' : Math.round(instrumented)} ops/s instrumented, ` +
    `${plain === null ? 'no plain run' : `${Math.round(plain)} ops/s plain`}.`;
  return [
    '<details class="attribution" open><summary>where it ' +
      `grows: ${html(TOOL_NAME[attribution.tool])}, ${attribution.sitesJudged} growing ` +
      `site${attribution.sitesJudged === 1 ? '' : 's'} judged</summary>`,
    `<p class="stats">${html(explained)} ${html(rates)}</p>`,
    attribution.sites.length === 0
      ? '<p class="muted">No site grows per operation.</p>'
      : `<ol class="sites">${items.join('')}</ol>`,
    ...attribution.hints.map((hint) => `<p class="issues">hint: ${html(hint)}</p>`),
    attribution.verdictOfRecord === 'instrumented' || attribution.rerun !== undefined
      ? `<p class="muted">${html(attribution.note)}</p>`
      : '',
    '</details>',
  ].join('');
}
