// Reads `jcmd PID GC.class_histogram` (JDK 9+) into instances and bytes per class, and lines up histograms taken
// at the floors into per-class series for the same per-operation judging as heaptrack's sites and V8's
// constructors (src/verdict/judge-attribution.ts). Pure: text in, numbers out. Taken at the floors by
// class-histogram-session.ts.

/** Instances and shallow bytes of one class. */
export interface ClassTotals {
  instances: number;
  bytes: number;
}

/** `   1:         19963        6270512  [B (java.base@17.0.15)`: rank, instances, bytes, class, optional module. */
const ROW = /^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)(?:\s+\(.*\))?\s*$/;
const HEADER = /#instances\s+#bytes\s+class name/;

/** Instances and bytes per class name; throws, naming what it saw, when the text is not a class histogram. */
export function parseClassHistogram(text: string): Map<string, ClassTotals> {
  const lines = text.split('\n');
  if (!lines.some((line) => HEADER.test(line))) {
    const first = lines.find((line) => line.trim() !== '') ?? '';
    throw new Error(`not a class histogram (no "#instances #bytes class name" header): ${first.slice(0, 80)}`);
  }
  const totals = new Map<string, ClassTotals>();
  for (const line of lines) {
    const row = ROW.exec(line);
    if (row === null) continue;
    const name = row[3] as string;
    // The same name can appear twice (one class per class loader): they add up, as a developer reads them.
    const entry = totals.get(name) ?? { instances: 0, bytes: 0 };
    entry.instances += Number(row[1]);
    entry.bytes += Number(row[2]);
    totals.set(name, entry);
  }
  return totals;
}

/** One class's bytes and instances at each floor (0 where it was absent). */
export interface ClassSeries {
  name: string;
  bytes: number[];
  instances: number[];
}

/** Histograms taken at successive floors lined up per class, for judging growth per operation. */
export function classSeries(histograms: readonly Map<string, ClassTotals>[]): ClassSeries[] {
  const names = new Set<string>();
  for (const histogram of histograms) for (const name of histogram.keys()) names.add(name);
  return [...names].map((name) => ({
    name,
    bytes: histograms.map((histogram) => histogram.get(name)?.bytes ?? 0),
    instances: histograms.map((histogram) => histogram.get(name)?.instances ?? 0),
  }));
}
