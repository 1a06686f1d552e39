// Numbers in the words of a reason: units a person reads without a calculator.

import { GIB, KIB, MIB } from './units.js';

/** Up to 3 significant digits, no exponent, grouping for big integers. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return trim(v.toFixed(1));
  if (a >= 1) return trim(v.toFixed(2));
  const digits = Math.min(12, Math.max(2, 2 - Math.floor(Math.log10(a))));
  return trim(v.toFixed(digits));
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Bytes with binary multiples: `412 B`, `1.5 KB`, `3.2 MB`, `1.1 GB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const a = Math.abs(bytes);
  if (a >= GIB) return `${formatNumber(bytes / GIB)} GB`;
  if (a >= MIB) return `${formatNumber(bytes / MIB)} MB`;
  if (a >= KIB) return `${formatNumber(bytes / KIB)} KB`;
  return `${formatNumber(bytes)} B`;
}

/** An amount in the metric's unit: bytes formatted, counts as `3 fds`. */
export function formatAmount(v: number, unit: string): string {
  return unit === 'B' ? formatBytes(v) : `${formatNumber(v)} ${unit}`;
}

/** A per-operation figure: `412 B/op`, `0.0005 fds/op`. */
export function formatPerOp(v: number, unit: string): string {
  return `${formatAmount(v, unit)}/op`;
}

/** A per-hour figure: `5.6 MB/h`, `12 fds/h`. */
export function formatPerHour(v: number, unit: string): string {
  return `${formatAmount(v, unit)}/h`;
}

/** `95%`, `98.3%` for a two-sided alpha. */
export function formatConfidence(alpha: number): string {
  return `${trim((100 * (1 - alpha)).toFixed(1))}%`;
}

export function formatShare(share: number): string {
  return `${Math.round(share * 100)}%`;
}
