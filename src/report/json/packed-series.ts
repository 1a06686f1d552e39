import type { SampleReport } from '../../core/report-model.js';

// The sample series are ~95 % of a JSON report (a --all run: 4.5 MB, issue 17 item 6). Written as columns, the
// integer ones as differences from the previous reading, they shrink several times and stay exact. The JSON
// renderer packs, the report reader unpacks: every other part of mqleak sees the plain `SampleReport[]`.
// The format is documented for outside scripts in docs/reports.md.

export const SERIES_ENCODING = 'columns-delta-v1';

/**
 * One metric over the series, one entry per sample, null where the sample has no value. `delta`: integers, each
 * the difference from the previous non-null value (the first from 0), so a running sum gives them back; `plain`:
 * the values as they are (a column with any non-integer, e.g. `proc.cpu`).
 */
export type PackedColumn = { delta: (number | null)[] } | { plain: (number | null)[] };

export interface PackedSeries {
  encoding: typeof SERIES_ENCODING;
  /** Number of samples: every column has this many entries. */
  length: number;
  columns: Record<string, PackedColumn>;
}

/** Integers a running sum gives back exactly (-0 would come back as 0, so it is written plain). */
function deltaEncodable(values: (number | undefined)[]): boolean {
  let previous = 0;
  for (const value of values) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || Object.is(value, -0) || !Number.isSafeInteger(value - previous)) return false;
    previous = value;
  }
  return true;
}

/** The series as columns (column order: first appearance of each key). Absent values become null. */
export function packSeries(samples: readonly SampleReport[]): PackedSeries {
  const keys = [...new Set(samples.flatMap((sample) => Object.keys(sample)))];
  const columns: Record<string, PackedColumn> = {};
  for (const key of keys) {
    const values = samples.map((sample) => (sample as Record<string, number | undefined>)[key] ?? undefined);
    if (deltaEncodable(values)) {
      let previous = 0;
      columns[key] = {
        delta: values.map((value) => {
          if (value === undefined) return null;
          const delta = value - previous;
          previous = value;
          return delta;
        }),
      };
    } else {
      columns[key] = { plain: values.map((value) => value ?? null) };
    }
  }
  return { encoding: SERIES_ENCODING, length: samples.length, columns };
}

export function isPackedSeries(value: unknown): value is PackedSeries {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    (value as { encoding?: unknown }).encoding === SERIES_ENCODING
  );
}

/**
 * The samples back, each with the keys it had a value for. Throws an Error saying what is inconsistent (a column of
 * another length, a delta that is not an integer) for the reader to turn into its one-line refusal.
 */
export function unpackSeries(packed: PackedSeries): SampleReport[] {
  const rows: Record<string, number>[] = Array.from({ length: packed.length }, () => ({}));
  for (const [key, column] of Object.entries(packed.columns)) {
    const isDelta = 'delta' in column;
    const entries = isDelta ? column.delta : column.plain;
    if (entries.length !== packed.length) {
      throw new Error(`column ${key} has ${entries.length} entries for ${packed.length} samples`);
    }
    let running = 0;
    entries.forEach((entry, index) => {
      if (entry === null) return;
      if (isDelta && !Number.isSafeInteger(entry)) throw new Error(`column ${key}: delta ${entry} is not an integer`);
      running = isDelta ? running + entry : entry;
      (rows[index] as Record<string, number>)[key] = running;
    });
  }
  return rows as SampleReport[];
}
