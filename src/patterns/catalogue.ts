import { connectChurn } from './connect-churn.js';
import { healthCheckChurn } from './health-check-churn.js';
import type { PatternDefinition } from './pattern.js';

/** Every failure pattern mqleak knows, by name (the `pattern:` field of a scenario file). */
export const PATTERNS: ReadonlyMap<string, PatternDefinition> = new Map(
  [healthCheckChurn, connectChurn].map((pattern) => [pattern.name, pattern]),
);
