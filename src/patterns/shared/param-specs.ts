// Parameter specs several patterns declare alike, written once: a share of operations done one way, and the
// MQTT protocol level.
import type { ParamSpec } from '../../core/params.js';

/** A share of the operations (0 to 1, default one half) done the way `description` says. */
export function shareSpec(description: string): ParamSpec {
  return { type: 'number', default: 0.5, minimum: 0, maximum: 1, description };
}

/** The MQTT protocol level of the pattern's clients: 4 (3.1.1) or 5. */
export const PROTOCOL_VERSION_SPEC: ParamSpec = {
  type: 'integer',
  default: 4,
  minimum: 4,
  maximum: 5,
  description: 'MQTT protocol level: 4 (3.1.1) or 5',
};
