import { formatAmount, formatNumber, formatPerOp } from '../../core/format.js';
import { interceptOf, judgedPoints } from '../../verdict/fit.js';
import type { MetricReport, PhaseName, ScenarioReport } from '../../core/report-model.js';
import type { MetricName } from '../../core/metrics.js';
import { html } from './escape.js';
import { displayUnit, niceTicks, tickLabel, timeTicks, type DisplayUnit } from './scale.js';

// One metric of one scenario over time, as inline SVG: the phases shaded, every sample, the cycle
// floors, the fitted Theil–Sen line with its interval, and the slope δ would mean. Pure string
// building, no script: the page works offline, in a mail client, under a strict CSP.

/** viewBox size; the SVG scales to its box (width 100%), so these only fix the proportions. */
const WIDTH = 480;
const HEIGHT = 250;
const MARGIN = { left: 52, right: 10, top: 24, bottom: 36 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** More samples than this are reduced to each pixel column's lowest and highest value (the shape survives). */
const MAX_SAMPLE_POINTS = PLOT_W * 2;
/** Share of the value range added above and below, so nothing sits on the frame. */
const Y_PADDING = 0.08;

const PHASE_LABEL: Record<PhaseName, string> = {
  baseline: 'baseline',
  warmup: 'warm-up',
  measured: 'measured',
  recovery: 'recovery',
};

interface Frame {
  x: (ms: number) => number;
  y: (value: number) => number;
}

function round(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

function metricValue(values: Partial<Record<MetricName, number>>, metric: string): number | undefined {
  const value = values[metric as MetricName];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Samples as [t, value], reduced to min and max per pixel column when there are too many to draw. */
function samplePoints(scenario: ScenarioReport, metric: string, frame: Frame): [number, number][] {
  const points: [number, number][] = [];
  for (const sample of scenario.samples) {
    const value = metricValue(sample as Partial<Record<MetricName, number>>, metric);
    if (value !== undefined) points.push([sample.t, value]);
  }
  if (points.length <= MAX_SAMPLE_POINTS) return points;
  const columns = new Map<number, { low: [number, number]; high: [number, number] }>();
  for (const point of points) {
    const column = Math.round(frame.x(point[0]));
    const entry = columns.get(column);
    if (entry === undefined) columns.set(column, { low: point, high: point });
    else {
      if (point[1] < entry.low[1]) entry.low = point;
      if (point[1] > entry.high[1]) entry.high = point;
    }
  }
  const reduced: [number, number][] = [];
  for (const { low, high } of columns.values()) {
    if (low === high) reduced.push(low);
    else reduced.push(...(low[0] <= high[0] ? [low, high] : [high, low]));
  }
  return reduced;
}

function path(points: readonly [number, number][], frame: Frame): string {
  return points
    .map(([t, value], index) => `${index === 0 ? 'M' : 'L'}${round(frame.x(t))} ${round(frame.y(value))}`)
    .join('');
}

export interface ChartParts {
  svg: string;
  /** What the chart shows, in one sentence, for screen readers (aria-label). */
  summary: string;
}

interface FitGeometry {
  line: [number, number][];
  bandUpper: [number, number][];
  bandLower: [number, number][];
  delta: [number, number][];
}

/** The fitted line and its interval over the judged cycles, mapped from operations to time through them. */
function fitGeometry(scenario: ScenarioReport, metric: MetricReport): FitGeometry | null {
  const intercept = interceptOf(metric, scenario.cycles);
  const points = judgedPoints(scenario.cycles, metric.name, metric.cyclesUsed);
  if (metric.perOp === null || intercept === null || points.length < 2) return null;
  const slope = metric.perOp;
  // The interval is of the slope: lines through the fit's middle point at the interval's two ends.
  const pivotX = (points[Math.floor((points.length - 1) / 2)] as (typeof points)[number]).x;
  const pivotY = intercept + slope * pivotX;
  const [low, high] = metric.ci ?? [slope, slope];
  const geometry: FitGeometry = { line: [], bandUpper: [], bandLower: [], delta: [] };
  for (const point of points) {
    const dx = point.x - pivotX;
    const t = point.cycle.endMs;
    geometry.line.push([t, intercept + slope * point.x]);
    geometry.bandUpper.push([t, pivotY + Math.max(low * dx, high * dx)]);
    geometry.bandLower.push([t, pivotY + Math.min(low * dx, high * dx)]);
    geometry.delta.push([t, pivotY + metric.thresholdPerOp * dx]);
  }
  return geometry;
}

function yDomain(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi - lo < 1e-9) {
    const pad = Math.max(1, Math.abs(hi) * 0.01);
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * Y_PADDING;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

/** Rough width of a label in user units at the chart's font size: enough to keep labels apart. */
const LABEL_CHAR_WIDTH = 6.8;
const LABEL_GAP = 6;

/** Which phase labels win when they do not all fit: the judged part first, the short baseline last. */
const LABEL_PRIORITY: PhaseName[] = ['measured', 'warmup', 'recovery', 'baseline'];

function phases(scenario: ScenarioReport, frame: Frame): string {
  const rects: string[] = [];
  const labels: string[] = [];
  const taken: [number, number][] = [];
  const plotRight = MARGIN.left + PLOT_W;
  const byPriority = [...scenario.phases].sort(
    (a, b) => LABEL_PRIORITY.indexOf(a.name) - LABEL_PRIORITY.indexOf(b.name),
  );
  for (const phase of scenario.phases) {
    const x0 = frame.x(phase.startMs);
    const width = Math.max(0, frame.x(phase.endMs) - x0);
    rects.push(
      `<rect class="phase phase-${html(phase.name)}" x="${round(x0)}" y="${MARGIN.top}" ` +
        `width="${round(width)}" ` +
        `height="${PLOT_H}"><title>${html(PHASE_LABEL[phase.name] ?? phase.name)}: ` +
        `${formatNumber((phase.endMs - phase.startMs) / 1000)} s</title></rect>`,
    );
  }
  for (const phase of byPriority) {
    const x0 = frame.x(phase.startMs);
    const x1 = frame.x(phase.endMs);
    const label = PHASE_LABEL[phase.name] ?? phase.name;
    // Centred over its phase, pushed inside the plot at the ends; left out when its middle would leave
    // the phase (the last phase, flush right, may reach over its neighbour) or it would run into a label
    // already placed.
    const labelWidth = label.length * LABEL_CHAR_WIDTH;
    const left = Math.min(Math.max((x0 + x1) / 2 - labelWidth / 2, MARGIN.left), plotRight - labelWidth);
    const middle = left + labelWidth / 2;
    const last = phase === scenario.phases.at(-1);
    const over = (middle >= x0 && middle <= x1) || (last && x1 - x0 > 0 && left + labelWidth >= x1 - 1);
    const clear = taken.every(([from, to]) => left + labelWidth + LABEL_GAP <= from || left >= to + LABEL_GAP);
    if (over && clear) {
      labels.push(
        `<text class="phase-label" x="${round(middle)}" y="${MARGIN.top - 8}" ` +
          `text-anchor="middle">${html(label)}</text>`,
      );
      taken.push([left, left + labelWidth]);
    }
  }
  return rects.join('') + labels.join('');
}

function loadStrips(scenario: ScenarioReport, frame: Frame): string {
  return scenario.cycles
    .map((cycle) => {
      const x0 = frame.x(cycle.startMs);
      const width = Math.max(0.8, frame.x(cycle.loadEndMs) - x0);
      return (
        `<rect class="load" x="${round(x0)}" y="${MARGIN.top + PLOT_H - 5}" ` +
        `width="${round(width)}" height="5"><title>cycle ${cycle.index + 1}: load, ` +
        `${cycle.operations} ${html(scenario.operation)}s</title></rect>`
      );
    })
    .join('');
}

function axes(
  scenario: ScenarioReport,
  frame: Frame,
  domain: [number, number],
  unit: DisplayUnit,
  integerMetric: boolean,
): string {
  const parts: string[] = [];
  // Counts only take whole values: no tick at 10.5 threads.
  const ticks = niceTicks(domain[0] / unit.divisor, domain[1] / unit.divisor)
    .map((value) => value * unit.divisor)
    .filter((value) => !integerMetric || Number.isInteger(value));
  for (const tick of ticks) {
    const y = round(frame.y(tick));
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y}" y2="${y}"/>`);
    parts.push(
      `<text class="tick" x="${MARGIN.left - 6}" y="${y}" dy="0.32em" ` +
        `text-anchor="end">${html(tickLabel(tick, unit))}</text>`,
    );
  }
  const span = scenario.endMs - scenario.startMs;
  const time = timeTicks(span);
  for (const tick of time.ticks) {
    const x = round(frame.x(scenario.startMs + tick));
    parts.push(
      `<line class="tick-mark" x1="${x}" x2="${x}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H + 4}"/>`,
    );
    parts.push(
      `<text class="tick" x="${x}" y="${MARGIN.top + PLOT_H + 16}" ` +
        `text-anchor="middle">${html(time.label(tick))}</text>`,
    );
  }
  parts.push(
    `<text class="axis-unit" x="${MARGIN.left - 6}" y="${MARGIN.top - 8}" text-anchor="end">${html(unit.label)}</text>`,
  );
  parts.push(
    `<text class="axis-label" x="${MARGIN.left + PLOT_W}" y="${HEIGHT - 4}" ` +
      `text-anchor="end">time since the scenario started</text>`,
  );
  parts.push(`<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}"/>`);
  return parts.join('');
}

function floorMarks(scenario: ScenarioReport, metric: MetricReport, frame: Frame): string {
  const judged = new Set(
    judgedPoints(scenario.cycles, metric.name, metric.cyclesUsed).map((point) => point.cycle.index),
  );
  const parts: string[] = [];
  for (const cycle of scenario.cycles) {
    const value = metricValue(cycle.floors, metric.name);
    if (value === undefined) continue;
    const role = cycle.warmup
      ? 'warm-up, not judged'
      : judged.has(cycle.index)
        ? 'judged'
        : 'dropped by the analysis (still warming up, or before a step)';
    const cls = cycle.warmup
      ? 'floor floor-warmup'
      : judged.has(cycle.index)
        ? 'floor floor-judged'
        : 'floor floor-dropped';
    parts.push(
      `<circle class="${cls}" cx="${round(frame.x(cycle.endMs))}" ` +
        `cy="${round(frame.y(value))}" r="3.6"><title>cycle ${cycle.index + 1} (${role}): ` +
        `floor ${html(formatAmount(value, metric.unit))} after ` +
        `${formatNumber(cycle.cumulativeOps)} ${html(scenario.operation)}s</title></circle>`,
    );
  }
  const baselineEnd = scenario.phases.find((phase) => phase.name === 'baseline')?.endMs;
  if (metric.baselineFloor !== null && baselineEnd !== undefined) {
    const x = frame.x(baselineEnd);
    const y = frame.y(metric.baselineFloor);
    parts.push(
      `<rect class="mark-baseline" x="${round(x - 4)}" y="${round(y - 4)}" width="8" ` +
        `height="8"><title>baseline floor (idle, before any load): ` +
        `${html(formatAmount(metric.baselineFloor, metric.unit))}</title></rect>`,
    );
  }
  const recoveryEnd = scenario.phases.find((phase) => phase.name === 'recovery')?.endMs;
  if (metric.recoveryFloor !== null && recoveryEnd !== undefined) {
    const x = frame.x(recoveryEnd) - 5;
    const y = frame.y(metric.recoveryFloor);
    parts.push(
      `<path class="mark-recovery" d="M${round(x)} ${round(y - 5.5)}L${round(x + 5.5)} ` +
        `${round(y)}L${round(x)} ${round(y + 5.5)}L${round(x - 5.5)} ` +
        `${round(y)}Z"><title>recovery floor (everything disconnected, idle): ` +
        `${html(formatAmount(metric.recoveryFloor, metric.unit))}</title></path>`,
    );
  }
  return parts.join('');
}

/** The chart of one metric of one scenario; `id` must be unique in the page (it names the clip path). */
export function metricChart(scenario: ScenarioReport, metric: MetricReport, id: string): ChartParts {
  const t0 = scenario.startMs;
  const span = Math.max(1, scenario.endMs - scenario.startMs);
  const provisional: Frame = { x: (ms) => MARGIN.left + ((ms - t0) / span) * PLOT_W, y: () => 0 };
  const samples = samplePoints(scenario, metric.name, provisional);
  const fit = fitGeometry(scenario, metric);
  const floors = scenario.cycles
    .map((cycle) => metricValue(cycle.floors, metric.name))
    .filter((value): value is number => value !== undefined);
  const marks = [metric.baselineFloor, metric.recoveryFloor].filter(
    (value): value is number => value !== null && Number.isFinite(value),
  );
  const domain = yDomain([
    ...samples.map(([, value]) => value),
    ...floors,
    ...marks,
    ...(fit?.line.map(([, value]) => value) ?? []),
  ]);
  const unit = displayUnit(metric.unit, Math.max(Math.abs(domain[0]), Math.abs(domain[1])));
  const frame: Frame = {
    x: provisional.x,
    y: (value) => MARGIN.top + PLOT_H - ((value - domain[0]) / (domain[1] - domain[0])) * PLOT_H,
  };
  const clip = `clip-${id}`;
  const body: string[] = [
    `<defs><clipPath id="${clip}"><rect x="${MARGIN.left}" y="${MARGIN.top}" ` +
      `width="${PLOT_W}" height="${PLOT_H}"/></clipPath></defs>`,
    phases(scenario, frame),
    axes(scenario, frame, domain, unit, metric.kind === 'count'),
    `<g clip-path="url(#${clip})">`,
    loadStrips(scenario, frame),
    samples.length > 0 ? `<path class="samples" d="${path(samples, frame)}"/>` : '',
  ];
  if (fit !== null) {
    const band = [...fit.bandUpper, ...[...fit.bandLower].reverse()];
    const interval =
      metric.ci === null
        ? ''
        : `: ${formatPerOp(metric.ci[0], metric.unit)} to ${formatPerOp(metric.ci[1], metric.unit)}`;
    body.push(
      `<path class="band" d="${path(band, frame)}Z"><title>interval of the slope${html(interval)}</title></path>`,
    );
    // Counts are judged by coming back to their level, not by a slope against δ: no δ line for them.
    if (metric.kind === 'bytes') {
      body.push(
        `<path class="delta" d="${path(fit.delta, frame)}"><title>growth at the threshold ` +
          `δ = ${html(formatPerOp(metric.thresholdPerOp, metric.unit))}</title></path>`,
      );
    }
    body.push(
      `<path class="fit" d="${path(fit.line, frame)}"><title>Theil–Sen fit: ` +
        `${html(formatPerOp(metric.perOp ?? 0, metric.unit))}</title></path>`,
    );
  }
  body.push(floorMarks(scenario, metric, frame), '</g>');
  const slope = metric.perOp === null ? 'no slope' : `fitted slope ${formatPerOp(metric.perOp, metric.unit)}`;
  const summary =
    `${metric.name} of ${scenario.name} over ${formatNumber(span / 1000)} s: ` +
    `${metric.verdict.toUpperCase()}, ${slope}`;
  const svg = `<svg class="chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${html(summary)}" xmlns="http://www.w3.org/2000/svg">${body.join('')}</svg>`;
  return { svg, summary };
}
