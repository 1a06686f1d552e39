import { DEFAULT_FAMILY_ALPHA, judgeMetric, shareAlpha, type MetricSeries } from '../analysis/index.js';
import type { AttributionSite, CycleReport } from '../core/report-model.js';

// Judges each allocation site's live bytes at the cycle floors with the same engine as RSS: a Theil–Sen slope per
// operation with its interval, persistence and recovery. Pure: the collectors (src/attribute/) hand in the series.

/**
 * The reported sites must explain at least this share of the RSS slope (the issue's bar): fewer would leave the
 * user hunting for the rest.
 */
export const EXPLAINED_SHARE_TARGET = 0.8;
/** At most this many sites in the report: past ten, the list stops being a lead and becomes a dump. */
export const MAX_REPORTED_SITES = 10;
/**
 * Only the sites that grew most between the first and last measured floor are judged: judging every one of
 * thousands of stacks would split the error budget so thin that nothing could be told apart from zero.
 */
export const MAX_JUDGED_SITES = 40;

/**
 * A site growing less than this share of the reference slope is not worth a line, even short of the 80 %: a
 * hundredth of the growth sends nobody anywhere.
 */
export const MIN_SITE_SHARE = 0.01;

/** Live bytes of one site at each floor the scenario took. */
export interface SiteSeries {
  key: string;
  label: string;
  frames: string[];
  symbolized: boolean;
  /** Per cycle (same order as the scenario's cycles): live bytes at its floor. */
  floors: number[];
  baseline: number | null;
  recovery: number | null;
  /** Distinct stacks that make up the site (same allocating function); 1 when absent. */
  stacks?: number;
}

export interface SiteJudgementInput {
  cycles: readonly CycleReport[];
  sites: readonly SiteSeries[];
  /** δ of the scenario's RSS: a site above it would be a leak on its own. */
  thresholdPerOp: number;
  opsPerSecond: number | null;
  /** The scenario's RSS slope (bytes/op), when it has one. */
  rssBytesPerOp: number | null;
}

export interface SiteJudgement {
  sites: AttributionSite[];
  sitesJudged: number;
  explainedShare: number | null;
}

/** Growth of a site between its first and last measured floor: only to choose which sites to judge. */
function rawGrowth(cycles: readonly CycleReport[], floors: readonly number[]): number {
  const measured = cycles.map((cycle, k) => ({ cycle, value: floors[k] ?? 0 })).filter(({ cycle }) => !cycle.warmup);
  if (measured.length < 2) return 0;
  return (measured.at(-1)?.value ?? 0) - (measured[0]?.value ?? 0);
}

/** One site's floors judged like RSS: the same engine, δ of RSS, the share of the error budget given. */
function judgeSiteSeries(input: SiteJudgementInput, site: SiteSeries, alpha: number): ReturnType<typeof judgeMetric> {
  const series: MetricSeries = {
    metric: `site ${site.label}`,
    kind: 'bytes',
    unit: 'B',
    cycles: input.cycles.map((cycle, k) => ({
      index: cycle.index,
      warmup: cycle.warmup,
      cumulativeOps: cycle.cumulativeOps,
      floor: site.floors[k] ?? null,
      endMs: cycle.endMs,
    })),
    baselineFloor: site.baseline,
    recoveryFloor: site.recovery,
    issues: [],
  };
  return judgeMetric(series, {
    thresholdPerOp: input.thresholdPerOp,
    alpha,
    opsPerSecond: input.opsPerSecond ?? 0,
  });
}

/**
 * The slope (bytes/op) of a whole heap's floors, e.g. everything a V8 heap snapshot holds: the most its sites
 * together could explain. Judged like RSS with the family's whole α (one series, not one of many).
 */
export function heapSlope(input: SiteJudgementInput, heap: SiteSeries): number | null {
  return judgeSiteSeries(input, heap, DEFAULT_FAMILY_ALPHA).perOp;
}

export function judgeSites(input: SiteJudgementInput): SiteJudgement {
  const { cycles } = input;
  const candidates = input.sites
    .map((site) => ({ site, growth: rawGrowth(cycles, site.floors) }))
    .filter((entry) => entry.growth > 0)
    .sort((a, b) => b.growth - a.growth)
    .slice(0, MAX_JUDGED_SITES);
  const alpha = shareAlpha(DEFAULT_FAMILY_ALPHA, Math.max(1, candidates.length));
  const judged = candidates.map(({ site }) => ({ site, verdict: judgeSiteSeries(input, site, alpha) }));
  judged.sort((a, b) => (b.verdict.perOp ?? 0) - (a.verdict.perOp ?? 0));

  const rss = input.rssBytesPerOp !== null && input.rssBytesPerOp > 0 ? input.rssBytesPerOp : null;
  // Without an RSS slope to explain, the sites are compared with their own total growth.
  const reference = rss ?? judged.reduce((sum, entry) => sum + Math.max(0, entry.verdict.perOp ?? 0), 0);
  const chosen: AttributionSite[] = [];
  let explained = 0;
  for (const { site, verdict } of judged) {
    const perOp = verdict.perOp ?? 0;
    if (chosen.length >= MAX_REPORTED_SITES || perOp <= 0 || perOp < MIN_SITE_SHARE * reference) break;
    const enough = reference > 0 && explained >= EXPLAINED_SHARE_TARGET * reference;
    // Past the target, only sites that are leaks on their own still earn a line.
    if (enough && verdict.verdict !== 'leak') break;
    explained += perOp;
    chosen.push({
      rank: chosen.length + 1,
      label: site.label,
      frames: site.frames,
      verdict: verdict.verdict,
      reason: verdict.reason,
      bytesPerOp: verdict.perOp,
      ci: verdict.ci,
      liveBytes: site.floors.at(-1) ?? 0,
      shareOfRss: rss === null ? null : perOp / rss,
      symbolized: site.symbolized,
      stacks: site.stacks ?? 1,
    });
  }
  return { sites: chosen, sitesJudged: judged.length, explainedShare: rss === null ? null : explained / rss };
}
