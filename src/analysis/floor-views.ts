// Two views of one memory metric when nobody can force a collection: settle floors and post-GC troughs.
// Troughs can only overstate growth, so their PASS is trusted and their LEAK is not (docs/verdicts.md).

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
        reason:
          `${trough.metric}: the two views of its floors disagree: its settle floors grow ` +
          `${formatSlope(settle)}, its post-GC troughs stay below the ` +
          `${formatSlope(trough, trough.thresholdPerOp)} threshold (at most ` +
          `${formatSlope(trough, trough.ci?.[1] ?? Number.NaN)}). The GC sawtooth, not live ` +
          `memory, moves one of them: rerun with --gc-cmd so that a collection is forced ` +
          `before every floor.`,
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
