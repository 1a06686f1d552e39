import type { MetricName, MetricValues, Sample } from './metrics.js';

// Every sample of a run is kept for the report. As JS objects ({ t, lateMs, values }) they cost ~200 B
// each with six figures and up to ~1.5 KB with dozens (V8 turns such objects into dictionaries): two
// samplers at 10 a second grew mqleak's own live heap by ~16 MB an hour. Here they are kept in columns
// instead: the latest chunk as plain Float64 columns (appends and the floor windows of the running
// cycle read it directly), every full chunk encoded once into a compact byte array off the V8 heap.
// Samples become objects again only when asked for: a floor window (a few dozen), or a scenario's
// samples once when its report is written.

/**
 * Samples per chunk: 1,024 at the default 100 ms is ~100 s. The open chunk costs 8 KB per column
 * whatever it holds, so smaller chunks waste less; larger ones give the encoder longer runs. Either way
 * a floor window (a few seconds) touches at most two chunks.
 */
export const CHUNK_SAMPLES = 1024;

/**
 * Integer columns are stored as zigzag varints of their deltas only while every value is at most this
 * large: a second-order delta of such values, zigzagged, stays exact in a double (8 × 2^48 < 2^53).
 */
const MAX_EXACT_INTEGER = 2 ** 48;
/**
 * Decimal scales tried for fractional columns (cpu %, a Prometheus gauge): a column whose every value
 * comes back exactly from round(v × scale) / scale is stored as those integers. Anything else stays a
 * Float32 column when every value is a float32 exactly, else Float64: values always come back bit for bit.
 */
const DECIMAL_SCALES = [10, 100, 1000] as const;

/** One encoded column of a full chunk. Missing values (a probe that did not answer) are NaN in the open chunk. */
type SealedColumn =
  | {
      kind: 'varint';
      /**
       * Zigzag varints of the deltas of order `order` (1: v[i] − v[i−1]; 2: the delta of those), of the values present,
       * divided by `factor`.
       */
      bytes: Uint8Array;
      order: 1 | 2;
      /** value = stored × factor / scale: factor is the values' common divisor (4,096 for page-sized RSS). */
      factor: number;
      scale: number;
      /** One bit per sample, set where a value is present; null when every sample has one. */
      present: Uint8Array | null;
    }
  | { kind: 'f32'; values: Float32Array }
  | { kind: 'f64'; values: Float64Array };

interface SealedChunk {
  length: number;
  minT: number;
  maxT: number;
  t: SealedColumn;
  lateMs: SealedColumn;
  /** By metric index; undefined where no sample of the chunk had the metric. */
  columns: (SealedColumn | undefined)[];
}

/** A chunk's columns as plain arrays: the open chunk, or a sealed one decoded for a query. */
interface OpenChunk {
  length: number;
  t: Float64Array;
  lateMs: Float64Array;
  columns: (Float64Array | undefined)[];
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Scratch for encoding: the largest a chunk's column can take (10 bytes per varint). */
let scratch = new Uint8Array(CHUNK_SAMPLES * 10);

function varintSize(z: number): number {
  let size = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    size++;
  }
  return size;
}

function writeVarints(values: readonly number[]): Uint8Array {
  if (scratch.length < values.length * 10) scratch = new Uint8Array(values.length * 10);
  let at = 0;
  for (const value of values) {
    // Arithmetic, not bit operators: values go past 32 bits.
    let z = value;
    while (z >= 128) {
      scratch[at++] = (z % 128) + 128;
      z = Math.floor(z / 128);
    }
    scratch[at++] = z;
  }
  return scratch.slice(0, at);
}

function readVarints(bytes: Uint8Array, count: number): number[] {
  const out = new Array<number>(count);
  let at = 0;
  for (let k = 0; k < count; k++) {
    let value = 0;
    let weight = 1;
    for (;;) {
      const byte = bytes[at++] as number;
      value += (byte & 127) * weight;
      if (byte < 128) break;
      weight *= 128;
    }
    out[k] = value;
  }
  return out;
}

/** Deltas of the given order, zigzagged. */
function deltas(values: readonly number[], order: 1 | 2): number[] {
  let current = [...values];
  for (let pass = 0; pass < order; pass++) {
    const previous = current;
    current = previous.map((value, k) => (k === 0 ? value : value - (previous[k - 1] as number)));
  }
  return current.map(zigzag);
}

function undeltas(zigzagged: readonly number[], order: 1 | 2): number[] {
  let current = zigzagged.map(unzigzag);
  for (let pass = 0; pass < order; pass++) {
    const sums: number[] = [];
    for (const [k, value] of current.entries()) sums.push(k === 0 ? value : (sums[k - 1] as number) + value);
    current = sums;
  }
  return current;
}

/** The decimal scale that makes every value an exact integer within range, or null. */
function integerScale(values: readonly number[]): number | null {
  for (const scale of [1, ...DECIMAL_SCALES]) {
    if (
      values.every(
        (value) =>
          Math.abs(value * scale) <= MAX_EXACT_INTEGER &&
          Math.round(value * scale) / scale === value &&
          !Object.is(value, -0),
      )
    )
      return scale;
  }
  return null;
}

function encodeColumn(column: Float64Array, length: number): SealedColumn | undefined {
  const present: number[] = [];
  let bitmap: Uint8Array | null = null;
  for (let k = 0; k < length; k++) {
    const value = column[k] as number;
    if (Number.isNaN(value)) {
      bitmap ??= new Uint8Array(Math.ceil(length / 8)).fill(255);
      bitmap[k >> 3] = (bitmap[k >> 3] as number) & ~(1 << (k & 7));
    } else {
      present.push(value);
    }
  }
  if (present.length === 0) return undefined;
  const scale = integerScale(present);
  if (scale !== null) {
    const integers = present.map((value) => Math.round(value * scale));
    const factor = integers.reduce((divisor, value) => gcd(divisor, Math.abs(value)), 0) || 1;
    const reduced = integers.map((value) => value / factor);
    // Both orders are sized and the smaller kept: order 2 suits a steady clock (t), order 1 the rest.
    const [first, second] = [deltas(reduced, 1), deltas(reduced, 2)];
    const size = (zs: number[]): number => zs.reduce((sum, z) => sum + varintSize(z), 0);
    const order = size(second) < size(first) ? 2 : 1;
    return { kind: 'varint', bytes: writeVarints(order === 2 ? second : first), order, factor, scale, present: bitmap };
  }
  const values = column.slice(0, length);
  const f32 = Float32Array.from(values);
  return f32.every((value, k) => Object.is(value, values[k])) ? { kind: 'f32', values: f32 } : { kind: 'f64', values };
}

function decodeColumn(column: SealedColumn, length: number): Float64Array {
  if (column.kind !== 'varint') return Float64Array.from(column.values);
  const out = new Float64Array(length).fill(Number.NaN);
  const { present } = column;
  let count = length;
  if (present !== null) {
    count = 0;
    for (let k = 0; k < length; k++) if (((present[k >> 3] as number) >> (k & 7)) & 1) count++;
  }
  const values = undeltas(readVarints(column.bytes, count), column.order);
  let next = 0;
  for (let k = 0; k < length; k++) {
    if (present !== null && !(((present[k >> 3] as number) >> (k & 7)) & 1)) continue;
    out[k] = ((values[next++] as number) * column.factor) / column.scale;
  }
  return out;
}

function sealedBytes(column: SealedColumn | undefined): number {
  if (column === undefined) return 0;
  if (column.kind === 'varint') return column.bytes.byteLength + (column.present?.byteLength ?? 0);
  return column.values.byteLength;
}

/**
 * Samples in columns: append, count, the latest, a time range as `Sample` objects, all of them in order.
 * Metric columns are added as names first appear; a sample without a metric reads without it.
 * A value that is NaN is stored as missing (NaN is the marker), so it reads back absent.
 */
export class SampleStore {
  private readonly names: MetricName[] = [];
  private readonly index = new Map<MetricName, number>();
  private readonly sealed: SealedChunk[] = [];
  private open: OpenChunk = {
    length: 0,
    t: new Float64Array(CHUNK_SAMPLES),
    lateMs: new Float64Array(CHUNK_SAMPLES),
    columns: [],
  };
  private sealedTotal = 0;
  private sealedSize = 0;

  constructor(samples: Iterable<Sample> = []) {
    for (const sample of samples) this.append(sample);
  }

  get length(): number {
    return this.sealedTotal + this.open.length;
  }

  /** Metric names in the order they first appeared. */
  get metricNames(): readonly MetricName[] {
    return this.names;
  }

  /**
   * Bytes the store holds in its typed arrays (off the V8 heap for all but the smallest): the open chunk's
   * columns at full size plus every sealed chunk's encoding. The few JS objects around them (one per
   * chunk and column) are on the heap and measured by src/run/recorded-bytes.ts.
   */
  get bytes(): number {
    const open =
      this.open.t.byteLength +
      this.open.lateMs.byteLength +
      this.open.columns.reduce((sum, column) => sum + (column?.byteLength ?? 0), 0);
    return open + this.sealedSize;
  }

  append(sample: Sample): void {
    if (this.open.length === CHUNK_SAMPLES) this.seal();
    const open = this.open;
    const at = open.length;
    open.t[at] = sample.t;
    open.lateMs[at] = sample.lateMs;
    for (const [name, value] of Object.entries(sample.values)) {
      if (value === undefined) continue;
      let k = this.index.get(name);
      if (k === undefined) {
        k = this.names.length;
        this.names.push(name);
        this.index.set(name, k);
      }
      let column = open.columns[k];
      if (column === undefined) {
        column = new Float64Array(CHUNK_SAMPLES).fill(Number.NaN);
        open.columns[k] = column;
      }
      column[at] = value;
    }
    open.length = at + 1;
  }

  /** The latest sample, or undefined when none. */
  last(): Sample | undefined {
    if (this.open.length > 0) return this.sampleAt(this.open, this.open.length - 1);
    const chunk = this.sealed.at(-1);
    if (chunk === undefined) return undefined;
    const decoded = this.decode(chunk);
    return this.sampleAt(decoded, decoded.length - 1);
  }

  /** The latest `count` samples (fewer when the store holds fewer), oldest first. */
  tail(count: number): Sample[] {
    const out: Sample[] = [];
    const chunks: (() => OpenChunk)[] = [
      () => this.open,
      ...this.sealed.map((chunk) => () => this.decode(chunk)).reverse(),
    ];
    for (const chunk of chunks) {
      if (out.length >= count) break;
      const decoded = chunk();
      for (let k = decoded.length - 1; k >= 0 && out.length < count; k--) out.push(this.sampleAt(decoded, k));
    }
    return out.reverse();
  }

  /** How many samples were taken in [fromMs, toMs] (no objects made). */
  countBetween(fromMs: number, toMs: number): number {
    let count = 0;
    for (const chunk of this.chunksBetween(fromMs, toMs)) {
      for (let k = 0; k < chunk.length; k++) {
        const t = chunk.t[k] as number;
        if (t >= fromMs && t <= toMs) count++;
      }
    }
    return count;
  }

  /** The samples taken in [fromMs, toMs], in the order they were appended, as objects. */
  between(fromMs: number, toMs: number): Sample[] {
    const out: Sample[] = [];
    for (const chunk of this.chunksBetween(fromMs, toMs)) {
      for (let k = 0; k < chunk.length; k++) {
        const t = chunk.t[k] as number;
        if (t >= fromMs && t <= toMs) out.push(this.sampleAt(chunk, k));
      }
    }
    return out;
  }

  /** Every sample, in order, made into objects one at a time. */
  *[Symbol.iterator](): IterableIterator<Sample> {
    for (const chunk of [...this.sealed.map((sealed) => () => this.decode(sealed)), () => this.open]) {
      const decoded = chunk();
      for (let k = 0; k < decoded.length; k++) yield this.sampleAt(decoded, k);
    }
  }

  toArray(): Sample[] {
    return [...this];
  }

  private *chunksBetween(fromMs: number, toMs: number): IterableIterator<OpenChunk> {
    // Samples are appended when their reading completes, so t is only nearly in order: chunks are picked by their own
    // span.
    for (const chunk of this.sealed) if (chunk.maxT >= fromMs && chunk.minT <= toMs) yield this.decode(chunk);
    if (this.open.length > 0) yield this.open;
  }

  private sampleAt(chunk: OpenChunk, k: number): Sample {
    const values: MetricValues = {};
    for (const [index, column] of chunk.columns.entries()) {
      const value = column?.[k];
      if (value !== undefined && !Number.isNaN(value)) values[this.names[index] as MetricName] = value;
    }
    return { t: chunk.t[k] as number, lateMs: chunk.lateMs[k] as number, values };
  }

  private seal(): void {
    const open = this.open;
    const times = open.t.subarray(0, open.length);
    const chunk: SealedChunk = {
      length: open.length,
      minT: Math.min(...times),
      maxT: Math.max(...times),
      t: encodeColumn(open.t, open.length) as SealedColumn,
      lateMs: encodeColumn(open.lateMs, open.length) as SealedColumn,
      columns: open.columns.map((column) => (column === undefined ? undefined : encodeColumn(column, open.length))),
    };
    this.sealed.push(chunk);
    this.sealedTotal += chunk.length;
    this.sealedSize +=
      sealedBytes(chunk.t) +
      sealedBytes(chunk.lateMs) +
      chunk.columns.reduce((sum, column) => sum + sealedBytes(column), 0);
    // The open chunk's arrays are reused: no allocation per chunk once every column exists.
    for (const column of open.columns) column?.fill(Number.NaN);
    open.length = 0;
  }

  private decode(chunk: SealedChunk): OpenChunk {
    return {
      length: chunk.length,
      t: decodeColumn(chunk.t, chunk.length),
      lateMs: decodeColumn(chunk.lateMs, chunk.length),
      columns: chunk.columns.map((column) => (column === undefined ? undefined : decodeColumn(column, chunk.length))),
    };
  }
}
