import type { ChalkInstance } from 'chalk';
import { formatBytes, formatNumber } from '../core/format.js';
import { MIN_THEIL_SEN_POINTS, theilSenLine } from '../analysis/index.js';
import type { PhaseName } from '../core/report-model.js';
import type { CycleProgress, LoadStatus, RunObserver } from '../run/observer.js';
import type { MetricValues } from '../core/metrics.js';

/** How often the live line is redrawn on a terminal: often enough to feel live, rarely enough to stay cheap. */
const REDRAW_INTERVAL_MS = 250;
/** Narrowest line worth drawing; below it the terminal gets the scenario and phase only, cut. */
const MIN_WIDTH = 20;

/** What the live line shows; filled from the run's events, drawn by renderLiveLine. */
export interface LiveState {
  scenario: string;
  /** `1/2`: which scenario of how many. */
  position: string;
  phase: PhaseName | null;
  /** The run's words for where it is in the phase: `cycle 7/15`, `idle 3 s`. */
  detail: string;
  clients: number | null;
  /** The last finished cycle's rate. */
  opsPerSecond: number | null;
  /** The broker's resident memory now. */
  rss: number | null;
  /** Theil–Sen slope of the measured floors so far, bytes per operation; null before 3 of them. */
  slopePerOp: number | null;
  /** When the scenario should end (Date.now() scale), from the run's estimate. */
  endsAt: number | null;
}

const PHASE_WORDS: Record<PhaseName, string> = {
  baseline: 'baseline',
  warmup: 'warm-up',
  measured: 'measured',
  recovery: 'recovery',
};

interface Part {
  text: string;
  /** Lower goes first when the line is too wide. */
  keep: number;
  paint?: (text: string) => string;
}

/** `measured cycle 7/10`, `recovery: everything disconnected, idle 5 s`. */
function detailText(detail: string): string {
  if (detail === '') return '';
  return detail.startsWith('cycle') ? ` ${detail}` : `: ${detail}`;
}

function signedBytes(perOp: number): string {
  return `${perOp >= 0 ? '+' : '−'}${formatBytes(Math.abs(perOp))}/op`;
}

/**
 * The live line for a terminal of `width` columns: parts that do not fit are left out, least useful
 * first (ops/s, clients, time left, slope, memory), so it never wraps and never cuts a colour code.
 */
export function renderLiveLine(state: LiveState, now: number, width: number, style: ChalkInstance): string {
  const parts: Part[] = [
    { text: `[${state.scenario} ${state.position}]`, keep: 9, paint: (text) => style.cyan(text) },
    {
      text: `${state.phase === null ? 'starting' : PHASE_WORDS[state.phase]}${detailText(state.detail)}`,
      keep: 9,
      paint: (text) => style.bold(text),
    },
  ];
  if (state.clients !== null) parts.push({ text: `${formatNumber(state.clients)} clients`, keep: 2 });
  if (state.opsPerSecond !== null) parts.push({ text: `${formatNumber(state.opsPerSecond)} ops/s`, keep: 1 });
  if (state.rss !== null) parts.push({ text: `rss ${formatBytes(state.rss)}`, keep: 5 });
  if (state.slopePerOp !== null)
    parts.push({ text: `slope ${signedBytes(state.slopePerOp)}`, keep: 4, paint: (text) => style.yellow(text) });
  if (state.endsAt !== null)
    parts.push({ text: `~${formatNumber(Math.max(0, Math.round((state.endsAt - now) / 1000)))} s left`, keep: 3 });

  const separator = ' · ';
  const visible = (list: Part[]): number =>
    list.reduce((sum, part, index) => sum + part.text.length + (index === 0 ? 0 : separator.length), 0);
  const room = Math.max(MIN_WIDTH, width) - 1;
  const shown = [...parts];
  while (visible(shown) > room && shown.some((part) => part.keep < 9)) {
    const drop = shown.reduce((low, part) => (part.keep < low.keep ? part : low));
    shown.splice(shown.indexOf(drop), 1);
  }
  if (visible(shown) > room) {
    // Only the scenario and the phase are left and still too wide: cut the plain text, no colour.
    return shown
      .map((part) => part.text)
      .join(separator)
      .slice(0, room);
  }
  return shown.map((part) => (part.paint === undefined ? part.text : part.paint(part.text))).join(style.dim(separator));
}

/** The CI-log line for a finished cycle (no terminal: one line per cycle, nothing redrawn). */
export function cycleLogLine(progress: CycleProgress, slopePerOp: number | null, clients: number | null): string {
  const failed = progress.failures > 0 ? `, ${progress.failures} failed` : '';
  const rss = progress.floors['proc.rss'];
  const floor = rss === undefined ? '' : `, rss floor ${formatBytes(rss)}`;
  const slope = slopePerOp === null ? '' : `, slope so far ${signedBytes(slopePerOp)}`;
  const held = clients === null ? '' : `, ${formatNumber(clients)} clients`;
  return (
    `  ${progress.warmup ? 'warm-up' : 'cycle'} ${progress.index + 1}/${progress.total}: ` +
    `${formatNumber(progress.operations)} ops @ ` +
    `${formatNumber(progress.opsPerSecond)}/s${failed}${floor}${slope}${held}, ` +
    `~${formatNumber(Math.round(progress.remainingMs / 1000))} s left`
  );
}

/**
 * Live progress on stderr (stdout stays clean for `--json -`): one line redrawn in place on a terminal,
 * plain log lines otherwise (CI logs).
 */
export function progressObserver(
  stream: NodeJS.WriteStream,
  style: ChalkInstance,
  clock: () => number = Date.now,
): RunObserver & { close(): void } {
  const live = stream.isTTY === true;
  const state: LiveState = {
    scenario: '',
    position: '',
    phase: null,
    detail: '',
    clients: null,
    opsPerSecond: null,
    rss: null,
    slopePerOp: null,
    endsAt: null,
  };
  let floors: { x: number; y: number }[] = [];
  let lastDraw = 0;
  let drawn = false;

  const draw = (force: boolean): void => {
    if (!live || state.scenario === '') return;
    const now = clock();
    if (!force && now - lastDraw < REDRAW_INTERVAL_MS) return;
    lastDraw = now;
    stream.write(`\r\x1b[2K${renderLiveLine(state, now, stream.columns ?? 100, style)}`);
    drawn = true;
  };
  const log = (text: string): void => {
    if (live && drawn) stream.write('\r\x1b[2K');
    stream.write(`${text}\n`);
    drawn = false;
    draw(true);
  };

  return {
    targetReady: (description) => log(`target: ${description}`),
    scenarioStart: (name, index, total, estimatedMs) => {
      Object.assign(state, {
        scenario: name,
        position: `${index + 1}/${total}`,
        phase: null,
        detail: '',
        opsPerSecond: null,
        slopePerOp: null,
        endsAt: clock() + estimatedMs,
      });
      floors = [];
      log(`${style.bold(name)} (${index + 1}/${total}), about ${formatNumber(Math.round(estimatedMs / 1000))} s`);
    },
    phase: (name, detail) => {
      state.phase = name;
      state.detail = detail;
      if (!live && name !== 'warmup' && name !== 'measured') log(`  ${PHASE_WORDS[name]}: ${detail}`);
      draw(true);
    },
    cycleDone: (progress) => {
      state.opsPerSecond = progress.opsPerSecond;
      state.endsAt = clock() + progress.remainingMs;
      const rssFloor = progress.floors['proc.rss'];
      if (!progress.warmup && rssFloor !== undefined && progress.cumulativeOps !== undefined) {
        floors.push({ x: progress.cumulativeOps, y: rssFloor });
        const line =
          floors.length >= MIN_THEIL_SEN_POINTS
            ? theilSenLine(
                floors.map((p) => p.x),
                floors.map((p) => p.y),
              )
            : null;
        state.slopePerOp = line?.slope ?? null;
      }
      if (!live) log(cycleLogLine(progress, state.slopePerOp, state.clients));
      draw(true);
    },
    sample: (values: MetricValues, load?: LoadStatus) => {
      state.rss = values['proc.rss'] ?? state.rss;
      if (load !== undefined) state.clients = load.clientsConnected;
      draw(false);
    },
    scenarioDone: () => undefined,
    notice: (message) => log(`  ${message}`),
    close: () => {
      if (live && drawn) stream.write('\r\x1b[2K');
    },
  };
}
