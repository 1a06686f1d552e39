import { formatNumber } from '../../core/format.js';
import type { ScenarioReport } from '../../core/report-model.js';

// The words every renderer uses for a soak run (`mode: 'soak'`): how long the load ran and the windows its floors came
// from.

/** One line for a soak scenario, null for a cycle run. */
export function soakLine(scenario: ScenarioReport): string | null {
  const soak = scenario.soak;
  if (scenario.mode !== 'soak' || soak === undefined) return null;
  const cut = soak.loadMs + 1000 < soak.durationMs ? ` of the ${formatNumber(soak.durationMs / 1000)} s asked` : '';
  return (
    `soak: ${formatNumber(soak.loadMs / 1000)} s of continuous load${cut} (first ` +
    `${formatNumber(soak.warmupMs / 1000)} s warm-up), ${scenario.cycles.length} windows of ` +
    `${formatNumber(soak.windowMs / 1000)} s judged on their minima: ${soak.why}`
  );
}

/** What `cycles[]` holds: cycles, or a soak's windows. */
export function cyclesWord(scenario: ScenarioReport): string {
  return scenario.mode === 'soak' ? 'windows' : 'cycles';
}
