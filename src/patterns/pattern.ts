import type { BrokerAddress } from '../target/broker-address.js';

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

export interface PatternContext {
  broker: BrokerAddress;
  /** Every resolved parameter of the scenario: run shape and the pattern's own. */
  params: Params;
  /** Aborts on Ctrl-C or a target failure: stop starting operations. */
  signal: AbortSignal;
  /** A token unique to this run, for client ids and topics that must not collide with other runs. */
  runToken: string;
}

export interface CycleRequest {
  /** 0-based over all cycles, warm-up included. */
  index: number;
  operations: number;
  concurrency: number;
  /** Wall-clock time (Date.now()) after which no new operation may start. */
  deadlineMs: number;
}

export interface CycleOutcome {
  operations: number;
  failures: number;
  failureKinds: Record<string, number>;
  timedOut: boolean;
}

/** A pattern that is running against a broker: one cycle at a time, then a teardown that lets go of everything. */
export interface PatternRun {
  runCycle(request: CycleRequest): Promise<CycleOutcome>;
  /** Disconnects whatever the pattern still holds, before the recovery phase. */
  teardown(): Promise<void>;
}

/** A failure pattern: how one cycle of operations is done. One file per pattern in src/patterns/. */
export interface PatternDefinition {
  name: string;
  summary: string;
  /** What one operation is, for figures like "bytes per connection". */
  operation: string;
  params: ParamSpecs;
  start(context: PatternContext): Promise<PatternRun>;
}

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
