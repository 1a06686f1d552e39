// The Prometheus text exposition format, as far as a probe needs it: `name{label="value",...} number`
// lines, comments and blank lines skipped. Pure, so it is tested on captured endpoint text.

export interface PrometheusSeries {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let consumed = 0;
  for (let match = LABEL.exec(text); match !== null; match = LABEL.exec(text)) {
    labels[match[1] as string] = unescapeLabel(match[2] as string);
    consumed = LABEL.lastIndex;
  }
  return text.slice(consumed).trim() === '' ? labels : null;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function parsePrometheusText(text: string): PrometheusSeries[] {
  const series: PrometheusSeries[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (match === null) continue;
    const labels = parseLabels(match[2] ?? '');
    if (labels === null) continue;
    series.push({ name: match[1] as string, labels, value: parseValue(match[3] as string) });
  }
  return series;
}

/** A selector: a metric name and the labels a series must have, `name{label="value",...}`. */
export interface PrometheusSelector {
  name: string;
  labels: Record<string, string>;
}

export function parsePrometheusSelector(text: string): PrometheusSelector | null {
  const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?$/.exec(text.trim());
  if (match === null) return null;
  const labels = parseLabels(match[2] ?? '');
  return labels === null ? null : { name: match[1] as string, labels };
}

/**
 * The selected value: the sum over every series of that name carrying the selector's labels (a
 * per-node or per-kind family adds up to what the broker holds); null when none matches.
 */
export function selectPrometheus(series: readonly PrometheusSeries[], selector: PrometheusSelector): number | null {
  const wanted = Object.entries(selector.labels);
  const matching = series.filter(
    (entry) => entry.name === selector.name && wanted.every(([key, value]) => entry.labels[key] === value),
  );
  if (matching.length === 0) return null;
  return matching.reduce((sum, entry) => sum + entry.value, 0);
}
