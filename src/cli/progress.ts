import type { ChalkInstance } from 'chalk';
import { formatBytes, formatNumber } from '../analysis/format.js';
import type { RunObserver } from '../run/observer.js';
import type { MetricValues } from '../sample/metrics.js';

/** How often the live line is redrawn on a terminal. */
const REDRAW_INTERVAL_MS = 250;

/**
 * Live progress on stderr (stdout stays clean for `--json -`): one line redrawn in place on a terminal,
 * plain log lines otherwise (CI logs).
 */
export function progressObserver(stream: NodeJS.WriteStream, style: ChalkInstance): RunObserver & { close(): void } {
  const live = stream.isTTY === true;
  let scenario = '';
  let phase = '';
  let latest: MetricValues = {};
  let cycleText = '';
  let lastDraw = 0;
  let drawn = false;

  const draw = (force: boolean): void => {
    if (!live) return;
    const now = Date.now();
    if (!force && now - lastDraw < REDRAW_INTERVAL_MS) return;
    lastDraw = now;
    const memory = latest.rss === undefined ? '' : ` · rss ${formatBytes(latest.rss)}`;
    const fds = latest.fds === undefined ? '' : ` · ${latest.fds} fds`;
    const line = `${style.cyan(scenario)} ${phase}${cycleText}${memory}${fds}`;
    stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns ?? 100) - 1))}`);
    drawn = true;
  };
  const log = (text: string): void => {
    if (live) {
      if (drawn) stream.write('\r\x1b[2K');
      stream.write(`${text}\n`);
      draw(true);
    } else {
      stream.write(`${text}\n`);
    }
  };

  return {
    targetReady: (description) => log(`target: ${description}`),
    scenarioStart: (name, index, total, estimatedMs) => {
      scenario = `[${name} ${index + 1}/${total}]`;
      cycleText = '';
      log(`${style.bold(name)} (${index + 1}/${total}), about ${formatNumber(estimatedMs / 1000)} s`);
    },
    phase: (name, detail) => {
      phase = `${name} ${detail}`;
      if (!live && !name.startsWith('warmup') && !name.startsWith('measured')) log(`  ${name}: ${detail}`);
      draw(true);
    },
    cycleDone: (progress) => {
      const failed = progress.failures > 0 ? `, ${progress.failures} failed` : '';
      cycleText = ` · ${progress.operations} ops @ ${formatNumber(progress.opsPerSecond)}/s${failed} · ~${formatNumber(progress.remainingMs / 1000)} s left`;
      if (!live) {
        const floor = progress.floors.rss === undefined ? '' : `, rss floor ${formatBytes(progress.floors.rss)}`;
        log(`  ${progress.warmup ? 'warm-up' : 'cycle'} ${progress.index + 1}/${progress.total}: ${progress.operations} ops @ ${formatNumber(progress.opsPerSecond)}/s${failed}${floor}`);
      }
      draw(true);
    },
    sample: (values) => {
      latest = values;
      draw(false);
    },
    scenarioDone: () => undefined,
    close: () => {
      if (live && drawn) stream.write('\r\x1b[2K');
    },
  };
}
