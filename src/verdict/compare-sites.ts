import type { AttributionSite, ScenarioReport } from '../core/report-model.js';

// `compare` for attribution: a site in NEW that BASE did not report, or one whose growth interval lies wholly
// above BASE's. Sites are matched by their top frames, addresses blanked (they move with ASLR from run to run);
// a constructor or class (heap snapshots, class histograms) by its name, since its retainer path differs per run.

/** Frames that identify a site across runs: the allocating one and two callers. */
export const SITE_IDENTITY_FRAMES = 3;

export interface SiteChange {
  scenario: string;
  kind: 'new' | 'grown';
  label: string;
  basePerOp: number | null;
  newPerOp: number | null;
  frames: string[];
}

function identity(site: AttributionSite, byName: boolean): string {
  if (byName) return site.label;
  return site.frames
    .slice(0, SITE_IDENTITY_FRAMES)
    .map((frame) => frame.replace(/0x[0-9a-f]+/gi, '0x?'))
    .join(' < ');
}

export function compareSites(base: ScenarioReport | undefined, next: ScenarioReport): SiteChange[] {
  const nextSites = next.attribution?.status === 'ok' ? next.attribution.sites : [];
  if (nextSites.length === 0) return [];
  const byName = next.attribution?.tool !== 'heaptrack';
  const baseSites = new Map(
    (base?.attribution?.status === 'ok' ? base.attribution.sites : []).map((site) => [identity(site, byName), site]),
  );
  const changes: SiteChange[] = [];
  for (const site of nextSites) {
    // Only sites that are leaks on their own are worth a line: the others are the tail of the 80 %.
    if (site.verdict !== 'leak') continue;
    const before = baseSites.get(identity(site, byName));
    const common = { scenario: next.name, label: site.label, newPerOp: site.bytesPerOp, frames: site.frames };
    if (before === undefined) changes.push({ ...common, kind: 'new', basePerOp: null });
    else if (site.ci !== null && before.ci !== null && site.ci[0] > before.ci[1])
      changes.push({ ...common, kind: 'grown', basePerOp: before.bytesPerOp });
  }
  return changes;
}
