// Parameters of patterns and of the run shape: their specs and typed reads.

export type ParamValue = number | string | boolean;

/** One knob of a pattern or of the run shape: its type, bounds, default and meaning (documented in the schema). */
export interface ParamSpec {
  type: 'integer' | 'number' | 'string' | 'boolean';
  default: ParamValue;
  description: string;
  minimum?: number;
  maximum?: number;
  enum?: readonly string[];
}

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;
export type Params = Readonly<Record<string, ParamValue>>;

export function numberParam(params: Params, name: string): number {
  const value = params[name];
  if (typeof value !== 'number') throw new Error(`parameter ${name} is not a number`);
  return value;
}

export function stringParam(params: Params, name: string): string {
  const value = params[name];
  if (typeof value !== 'string') throw new Error(`parameter ${name} is not a string`);
  return value;
}
