import { formatNumber } from '../../core/format.js';

// Axes a person reads at a glance: round tick values, one unit per axis.

/** About this many ticks per axis: enough to read a value off, few enough to stay legible on a phone. */
const TARGET_TICKS = 5;

/** Round steps (1, 2, 2.5, 5 × 10^k) from lo to hi, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = TARGET_TICKS): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((candidate) => candidate >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let value = Math.ceil(lo / step) * step; value <= hi + step * 1e-9; value += step)
    ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

export interface DisplayUnit {
  /** Divide raw values by this. */
  divisor: number;
  label: string;
}

const BYTE_UNITS: DisplayUnit[] = [
  { divisor: 1024 ** 3, label: 'GB' },
  { divisor: 1024 ** 2, label: 'MB' },
  { divisor: 1024, label: 'KB' },
  { divisor: 1, label: 'B' },
];

/** Bytes in the largest binary unit that keeps the biggest value at 1 or more; counts as they are. */
export function displayUnit(unit: string, maxAbs: number): DisplayUnit {
  if (unit !== 'B') return { divisor: 1, label: unit };
  return BYTE_UNITS.find((candidate) => maxAbs >= candidate.divisor) ?? { divisor: 1, label: 'B' };
}

export function tickLabel(value: number, unit: DisplayUnit): string {
  return formatNumber(value / unit.divisor);
}

/** Time ticks in seconds, or minutes once a scenario is long enough that seconds get unwieldy. */
export function timeTicks(spanMs: number): { ticks: number[]; label: (ms: number) => string } {
  const minutes = spanMs >= 5 * 60 * 1000;
  const divisor = minutes ? 60_000 : 1000;
  const ticks = niceTicks(0, spanMs / divisor, 6).map((value) => value * divisor);
  return { ticks, label: (ms) => `${formatNumber(ms / divisor)} ${minutes ? 'min' : 's'}` };
}
