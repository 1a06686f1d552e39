import { formatPerOp } from '../core/format.js';
import type { AttributionReport } from '../core/report-model.js';

// What the reported sites explain, in words shared by the terminal and HTML renderers: the share of the RSS slope
// (the plain run's when one exists; a JVM's heap after GC instead of RSS), and for heap snapshots the share of what
// the snapshots hold.

export function explainedText(attribution: AttributionReport): string {
  const reference = attribution.referenceMetric ?? 'RSS';
  if (attribution.explainedShare === null || attribution.rssBytesPerOp === null) return `${reference} did not grow`;
  const explained = attribution.sites.reduce((sum, site) => sum + Math.max(0, site.bytesPerOp ?? 0), 0);
  const own = attribution.instrumentedRssBytesPerOp;
  const rss =
    own === undefined
      ? `the ${reference} slope (${formatPerOp(attribution.rssBytesPerOp, 'B')})`
      : `the plain run's ${reference} slope (${formatPerOp(attribution.rssBytesPerOp, 'B')}; instrumented ` +
        `${own === null ? 'none' : formatPerOp(own, 'B')})`;
  const heap = attribution.heapBytesPerOp;
  const held =
    heap === undefined || heap === null || heap <= 0
      ? ''
      : ` and ${Math.round((explained / heap) * 100)} % of what the heap snapshots hold ` +
        `(${formatPerOp(heap, 'B')})`;
  return `${Math.round(attribution.explainedShare * 100)} % of ${rss}${held}`;
}
