import { SCHEMA_VERSION, type RunReport, type ScenarioReport } from '../../core/report-model.js';
import { type PackedColumn, type PackedSeries, packSeries } from './packed-series.js';

// The sample series are most of a report (a --all run keeps tens of thousands of samples). Since schemaVersion 2
// they are written packed (packed-series.ts: columns, integers delta-encoded), each column on one line; the rest
// stays pretty-printed. The reader (read-report.ts) unpacks them, so the model in memory is the same.
const TOKEN_PREFIX = '\u0000mqleak-column-';

/** The JSON report: the result model (DESIGN.md's contract) with packed sample series, pretty-printed. */
export function renderJson(report: RunReport): string {
  const columns = new Map<PackedColumn, number>();
  const pack = (samples: ScenarioReport['samples']): PackedSeries => {
    const series = packSeries(samples);
    for (const column of Object.values(series.columns)) columns.set(column, columns.size);
    return series;
  };
  const scenarios = report.scenarios.map((scenario) => ({
    ...scenario,
    samples: pack(scenario.samples),
    ...(scenario.selfSamples === undefined ? {} : { selfSamples: pack(scenario.selfSamples) }),
  }));
  // A report read from an older file is written in this version's shape, so it says this version.
  const packed = { ...report, schemaVersion: SCHEMA_VERSION, scenarios };
  const byIndex = [...columns.keys()];
  const text = JSON.stringify(
    packed,
    (_key, value: unknown) => {
      const index = columns.get(value as PackedColumn);
      return index === undefined ? value : `${TOKEN_PREFIX}${index}`;
    },
    2,
  );
  const token = /"\\u0000mqleak-column-(\d+)"/g;
  return `${text.replace(token, (_match, index: string) => JSON.stringify(byIndex[Number(index)]))}\n`;
}
