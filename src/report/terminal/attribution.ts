import type { ChalkInstance } from 'chalk';
import { formatPerOp } from '../../core/format.js';
import type { ScenarioReport } from '../../core/report-model.js';
import { explainedText } from '../attribution-figures.js';

// `--attribute` under its scenario: the sites that grow per operation, their share of the RSS slope, and what to
// know about the run (instrumented, failed, not available for this runtime).

const TOOL_NAME = {
  heaptrack: 'heaptrack',
  'v8-heap-snapshot': 'V8 heap snapshots',
  'jcmd-class-histogram': 'jcmd class histogram',
  none: 'none',
} as const;
/** Frames shown under a site on the terminal: the allocating one and a couple of callers; the JSON and HTML keep all. */
const TERMINAL_FRAMES = 3;

function percent(share: number | null, reference: string): string {
  return share === null ? '' : ` (${Math.round(share * 100)} % of ${reference})`;
}

export function attributionLines(scenario: ScenarioReport, style: ChalkInstance): string[] {
  const attribution = scenario.attribution;
  if (attribution === undefined) return [];
  if (attribution.status !== 'ok') {
    const label = attribution.status === 'failed' ? style.yellow('attribution failed') : 'attribution';
    return [`  ${label}: ${attribution.note}`];
  }
  const lines: string[] = [];
  // A JVM's sites are compared with its heap after GC, not with RSS.
  const reference = attribution.referenceMetric ?? 'RSS';
  const explained =
    attribution.explainedShare === null
      ? `${reference} did not grow`
      : `the sites below explain ${explainedText(attribution)}`;
  const { instrumented, plain } = attribution.opsPerSecond;
  const rates =
    `${instrumented === null ? '?' : Math.round(instrumented)} ops/s instrumented, ` +
    `${plain === null ? 'no plain run' : `${Math.round(plain)} ops/s plain`}`;
  lines.push(
    `  ${style.bold('where it grows')} (${TOOL_NAME[attribution.tool]}, ${attribution.sitesJudged} growing ` +
      `site${attribution.sitesJudged === 1 ? '' : 's'} judged; ${explained}; ${rates}):`,
  );
  if (attribution.sites.length === 0) lines.push('    no site grows per operation');
  for (const site of attribution.sites) {
    const verdict = site.verdict === 'leak' ? style.red.bold('LEAK') : site.verdict === 'pass' ? 'below δ' : 'unsure';
    const perOp = site.bytesPerOp === null ? '—' : formatPerOp(site.bytesPerOp, 'B');
    const stacks = (site.stacks ?? 1) > 1 ? `, ${site.stacks} stacks` : '';
    const live = site.liveCount === undefined ? '' : `, ${site.liveCount} alive`;
    const instances =
      site.instancesPerOp === undefined || site.instancesPerOp === null
        ? ''
        : `, ${site.instancesPerOp.toFixed(2)} instances/op`;
    lines.push(
      `    ${site.rank}. ${site.label}: ${perOp}${percent(site.shareOfRss, reference)} ${verdict}${stacks}${live}` +
        instances,
    );
    // A retainer path reads from the instance up: each line holds the one above it.
    const lead = attribution.tool === 'v8-heap-snapshot' ? 'held by ' : '';
    for (const frame of site.frames.slice(0, TERMINAL_FRAMES)) lines.push(`         ${style.dim(lead + frame)}`);
  }
  for (const hint of attribution.hints) lines.push(`    hint: ${hint}`);
  if (attribution.rerun !== undefined) lines.push(`    note: ${attribution.note}`);
  if (attribution.verdictOfRecord === 'instrumented') lines.push(`    note: ${attribution.note}`);
  return lines;
}
