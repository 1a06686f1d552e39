import type { RunReport } from '../../core/report-model.js';

// The sample series are most of a report (a --all run keeps tens of thousands of samples). Pretty-printed
// one field per line they took ~2/3 of the file; one sample per line halves the report with the same shape
// (same schema, same schemaVersion), stays readable and diffable line by line.
const SERIES_KEYS = new Set(['samples', 'selfSamples']);
const TOKEN_PREFIX = '\u0000mqleak-series-';

/** The JSON report: the result model as it is (DESIGN.md's contract), pretty-printed, one sample per line. */
export function renderJson(report: RunReport): string {
  const series: unknown[][] = [];
  const text = JSON.stringify(
    report,
    (key, value: unknown) => {
      if (!SERIES_KEYS.has(key) || !Array.isArray(value) || value.length === 0) return value;
      series.push(value);
      return `${TOKEN_PREFIX}${series.length - 1}`;
    },
    2,
  );
  const token = /^( *)(".*": )"\\u0000mqleak-series-(\d+)"(,?)$/gm;
  return `${text.replace(token, (_match, indent: string, key: string, index: string, comma: string) => {
    const items = series[Number(index)] ?? [];
    const lines = items.map((item) => `${indent}  ${JSON.stringify(item)}`).join(',\n');
    return `${indent}${key}[\n${lines}\n${indent}]${comma}`;
  })}\n`;
}
