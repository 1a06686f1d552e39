// Two views of one memory metric when nobody can force a collection: the settle floors (memory at
// rest after each cycle's load) and the post-GC troughs (the lowest memory over a window of cycles,
// load included). Neither is right on every garbage-collected broker. Troughs follow live memory
// when collections bring memory back to it (measured on Aedes with Node's defaults: troughs within
// 1.5 MB where settle floors spread over 19 MB), but when a collection frees more one time than the
// next (Aedes with a 1 MB young generation and a leak: troughs ±15 MB off the leak's line) they say
// less than the settle floors, which then climb with the leak anyway. So both are judged, and the
// view that decides is taken, with one asymmetry. A trough is live memory plus whatever garbage the
// collections seen did not reach: the minor collections that make most troughs leave the old
// generation to a major one, which may not come within a run, and meanwhile the troughs creep up
// (Aedes, Node's defaults, no leak: by 58–93 B per operation in 3 of 7 runs). So troughs can only
// overstate growth: their PASS is trusted, their LEAK is not, and a LEAK needs the settle floors.
// Each view gets the metric's whole error budget: a false LEAK can only come from the settle floors,
// as before there were troughs, and a trough PASS, which overstated growth could only have made
// harder, adds at most the budget's other half to the chance of missing a leak just above δ.

import { formatPerOp } from '../core/format.js';
import type { MetricVerdict } from '../core/verdict-types.js';

export type FloorView = 'settle' | 'trough';

export interface CombinedViews {
  /** The view whose verdict and figures are reported. */
  view: FloorView;
  verdict: MetricVerdict;
}

function width(v: MetricVerdict): number {
  return v.ci === null ? Number.POSITIVE_INFINITY : v.ci[1] - v.ci[0];
}

/**
 * The verdict of the two views:
 * - a settle LEAK is LEAK, unless the troughs PASS: then INCONCLUSIVE `data` (the GC sawtooth moves
 *   one of the views, and only a forced collection can tell which);
 * - a PASS of either view is PASS (memory does not grow after each collection, or at rest);
 * - otherwise INCONCLUSIVE: the narrower interval's verdict, except that a trough LEAK never stands
 *   (the settle view's INCONCLUSIVE is reported instead).
 */
export function combineFloorViews(settle: MetricVerdict, trough: MetricVerdict): CombinedViews {
  if (settle.verdict === 'leak') {
    if (trough.verdict !== 'pass') return { view: 'settle', verdict: settle };
    return {
      view: 'trough',
      verdict: {
        ...trough,
        verdict: 'inconclusive',
        reasonCode: 'data',
        reason: `${trough.metric}: the two views of its floors disagree: its settle floors grow ${formatSlope(settle)}, its post-GC troughs stay below the ${formatSlope(trough, trough.thresholdPerOp)} threshold (at most ${formatSlope(trough, trough.ci?.[1] ?? Number.NaN)}). The GC sawtooth, not live memory, moves one of them: rerun with --gc-cmd so that a collection is forced before every floor.`,
        cyclesNeeded: null,
      },
    };
  }
  if (settle.verdict === 'pass' && trough.verdict === 'pass')
    return width(trough) <= width(settle) ? { view: 'trough', verdict: trough } : { view: 'settle', verdict: settle };
  if (trough.verdict === 'pass') return { view: 'trough', verdict: trough };
  if (settle.verdict === 'pass') return { view: 'settle', verdict: settle };
  // Both INCONCLUSIVE, or troughs LEAK and settle floors INCONCLUSIVE.
  if (trough.verdict === 'leak') return { view: 'settle', verdict: settle };
  return width(trough) <= width(settle) ? { view: 'trough', verdict: trough } : { view: 'settle', verdict: settle };
}

function formatSlope(v: MetricVerdict, value: number = v.perOp ?? Number.NaN): string {
  return formatPerOp(value, v.unit);
}
