import { usageError } from '../core/errors.js';
import type { ThresholdResult } from '../core/report-model.js';
import type { SourcedThreshold } from '../verdict/limit-checks.js';
import { parseThresholdSpec } from '../core/threshold-spec.js';

/** `--threshold` flags, checked before anything runs: the form, and that a named scenario is in the run. */
export function parseThresholdFlags(
  texts: readonly string[],
  scenarios: readonly string[],
  source: ThresholdResult['source'],
): SourcedThreshold[] {
  return texts.map((text) => {
    const where = `--threshold ${text}`;
    const spec = parseThresholdSpec(text, where);
    if (spec.scenario !== null && !scenarios.includes(spec.scenario)) {
      throw usageError(
        `${where}: no scenario named '${spec.scenario}' in this run`,
        `scenarios: ${scenarios.join(', ')}; or '*:' for all of them`,
      );
    }
    return { spec, source };
  });
}
