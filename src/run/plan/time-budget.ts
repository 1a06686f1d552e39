import { usageError } from '../../core/errors.js';
import type { ParamValue } from '../../core/params.js';
import type { Scenario } from '../../scenario/load-scenario.js';
import { estimateScenarioMs } from './estimate.js';

// `--budget 10m`: fit the run into a time budget. Every scenario keeps its share of the run (its full
// estimate over the total): one scale factor shrinks operations per cycle, cycles and idle times of all
// of them alike, each floored at a minimum below which its verdict would mean little.

/** Fewer measured cycles than this and the verdict cannot judge the slope (the analysis asks for 6). */
export const MIN_BUDGET_CYCLES = 6;
/** DESIGN.md: at least 2 warm-up cycles are dropped. */
const MIN_WARMUP_CYCLES = 2;
/** Below a few hundred operations a cycle's growth is lost in the floor's noise (~100 KB of RSS jitter). */
const MIN_OPERATIONS_PER_CYCLE = 200;
/** The floor is read over the second half of the settle window: 1 s keeps ≥ 5 samples at the default 100 ms. */
const MIN_SETTLE_SECONDS = 1;
const MIN_BASELINE_SECONDS = 1;
/** Recovery needs long enough for the last cycle's connections to be freed before its floor. */
const MIN_RECOVERY_SECONDS = 2;
/** Bisection steps for the scale factor: 2^-30 is far below any change of a rounded parameter. */
const SEARCH_STEPS = 30;

interface Knob {
  name: string;
  minimum: number;
  integer: boolean;
}

const KNOBS: readonly Knob[] = [
  { name: 'operationsPerCycle', minimum: MIN_OPERATIONS_PER_CYCLE, integer: true },
  { name: 'cycles', minimum: MIN_BUDGET_CYCLES, integer: true },
  { name: 'warmupCycles', minimum: MIN_WARMUP_CYCLES, integer: true },
  { name: 'settleSeconds', minimum: MIN_SETTLE_SECONDS, integer: false },
  { name: 'baselineSeconds', minimum: MIN_BASELINE_SECONDS, integer: false },
  { name: 'recoverySeconds', minimum: MIN_RECOVERY_SECONDS, integer: false },
];

export interface BudgetPlan {
  budgetMs: number;
  /** The run's estimate before fitting. */
  fullMs: number;
  /** After fitting (the same as fullMs when it already fit). */
  plannedMs: number;
  /** The factor applied to every knob before the minimums (1: nothing changed). */
  scale: number;
  /** What was done, in plain words: a summary line, then one line per scenario changed. */
  notes: string[];
}

function scaled(value: ParamValue | undefined, knob: Knob, scale: number): ParamValue | undefined {
  if (typeof value !== 'number') return value;
  // Never raise a value the scenario set below the minimum itself.
  const floor = Math.min(value, knob.minimum);
  const raw = value * scale;
  return Math.max(floor, knob.integer ? Math.round(raw) : Math.round(raw * 10) / 10);
}

function shrink(scenario: Scenario, scale: number): Scenario {
  if (scale >= 1) return scenario;
  const params = { ...scenario.params };
  for (const knob of KNOBS) {
    const value = scaled(params[knob.name], knob, scale);
    if (value !== undefined) params[knob.name] = value;
  }
  return { ...scenario, params };
}

function totalMs(scenarios: readonly Scenario[]): number {
  return scenarios.reduce((sum, scenario) => sum + estimateScenarioMs(scenario.params, scenario.pattern), 0);
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = seconds / 60;
  return minutes < 120 ? `${Math.round(minutes * 10) / 10} min` : `${Math.round((minutes / 60) * 10) / 10} h`;
}

/**
 * Shrinks the scenarios so the run's estimate fits `budgetMs`, and says what it did. Throws a usage
 * error when even every scenario at its minimums does not fit.
 */
export function fitToBudget(
  scenarios: readonly Scenario[],
  budgetMs: number,
  budgetText: string,
): { scenarios: Scenario[]; plan: BudgetPlan } {
  const fullMs = totalMs(scenarios);
  const count = `${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}`;
  if (fullMs <= budgetMs) {
    const notes = [`--budget ${budgetText}: the ${count} fit as they are (~${formatDuration(fullMs)})`];
    return { scenarios: [...scenarios], plan: { budgetMs, fullMs, plannedMs: fullMs, scale: 1, notes } };
  }
  const minimumMs = totalMs(scenarios.map((scenario) => shrink(scenario, 0)));
  if (minimumMs > budgetMs) {
    throw usageError(
      `--budget ${budgetText}: the ${count} need ~${formatDuration(minimumMs)} even at ` +
        `their minimums (${MIN_BUDGET_CYCLES} measured cycles, ${MIN_OPERATIONS_PER_CYCLE} ` +
        `operations each)`,
      `give at least --budget ${Math.ceil(minimumMs / 60_000)}m, or run fewer scenarios`,
    );
  }
  let low = 0;
  let high = 1;
  for (let step = 0; step < SEARCH_STEPS; step++) {
    const middle = (low + high) / 2;
    if (totalMs(scenarios.map((scenario) => shrink(scenario, middle))) <= budgetMs) low = middle;
    else high = middle;
  }
  const fitted = scenarios.map((scenario) => shrink(scenario, low));
  const plannedMs = totalMs(fitted);
  const notes = [
    `--budget ${budgetText}: the ${count} take ~${formatDuration(fullMs)} as written; ` +
      `scaled to ~${formatDuration(plannedMs)} (operations, cycles and idle times ` +
      `×${low.toFixed(2)}, never below ${MIN_BUDGET_CYCLES} measured cycles, ` +
      `${MIN_OPERATIONS_PER_CYCLE} operations per cycle, ${MIN_SETTLE_SECONDS} s settle)`,
  ];
  for (const [index, scenario] of fitted.entries()) {
    const before = scenarios[index] as Scenario;
    const changes = KNOBS.filter((knob) => before.params[knob.name] !== scenario.params[knob.name]).map(
      (knob) => `${knob.name} ${String(before.params[knob.name])}→${String(scenario.params[knob.name])}`,
    );
    if (changes.length === 0) continue;
    const from = formatDuration(estimateScenarioMs(before.params, before.pattern));
    const to = formatDuration(estimateScenarioMs(scenario.params, scenario.pattern));
    notes.push(`${scenario.name}: ${changes.join(', ')} (~${from} → ~${to})`);
  }
  return { scenarios: fitted, plan: { budgetMs, fullMs, plannedMs, scale: low, notes } };
}

/** `10m`, `90s`, `1h30m`, `1.5h`, `600` (seconds): milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ms|min|s|m|h)/g)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) return NaN;
  return parts.reduce((sum, part) => sum + Number(part[1]) * (unitMs[part[2] as string] as number), 0);
}

/** The plan as the JSON report keeps it (`settings.budget`). */
export function budgetReport(plan: BudgetPlan): {
  seconds: number;
  fullSeconds: number;
  plannedSeconds: number;
  scale: number;
  notes: string[];
} {
  return {
    seconds: plan.budgetMs / 1000,
    fullSeconds: Math.round(plan.fullMs / 1000),
    plannedSeconds: Math.round(plan.plannedMs / 1000),
    scale: Math.round(plan.scale * 1000) / 1000,
    notes: plan.notes,
  };
}
