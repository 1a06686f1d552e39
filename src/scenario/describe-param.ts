import type { ParamSpec } from '../core/params.js';

/** "an integer from 1 to 10000", "one of close, reset, mixed": what a parameter accepts, for error messages. */
export function describeAllowed(spec: ParamSpec): string {
  if (spec.enum !== undefined) return `one of ${spec.enum.join(', ')}`;
  if (spec.type === 'boolean') return 'true or false';
  if (spec.type === 'string') return 'a string';
  const noun = spec.type === 'integer' ? 'an integer' : 'a number';
  if (spec.minimum !== undefined && spec.maximum !== undefined)
    return `${noun} from ${spec.minimum} to ${spec.maximum}`;
  if (spec.minimum !== undefined) return `${noun} of at least ${spec.minimum}`;
  if (spec.maximum !== undefined) return `${noun} of at most ${spec.maximum}`;
  return noun;
}
