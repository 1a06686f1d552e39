import { usageError } from '../core/errors.js';
import { parseDuration } from '../run/plan/time-budget.js';

/** Shorter than two fallback windows after the warm-up: nothing could be judged, so it is a typo. */
export const MIN_SOAK_MS = 10_000;
/** A week: longer than any CI job or overnight run; a bound on the load loop, as every loop has one. */
export const MAX_SOAK_MS = 7 * 24 * 3_600_000;

/** `--soak DURATION` in ms; undefined when not given. Bad values are usage errors (exit 64). */
export function parseSoak(raw: string | undefined, budget: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (!(ms >= MIN_SOAK_MS && ms <= MAX_SOAK_MS)) {
    throw usageError(
      `--soak ${raw}: not a soak duration`,
      'a duration from 10s to 7 days, e.g. --soak 90s, 30m, 2h, 1h30m',
    );
  }
  if (budget !== undefined)
    throw usageError(`--soak with --budget ${budget}`, 'a soak runs for its own duration: give one or the other');
  return ms;
}
