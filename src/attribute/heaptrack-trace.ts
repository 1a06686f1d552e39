import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

// Reads the file heaptrack_interpret writes (heaptrack 1.x, file format 3) and replays it up to given points in
// time: the live (allocated, not yet freed) bytes per call stack at each point. Replaying the whole trace rather
// than asking heaptrack_print for "leaked" bytes is the point: memory still reachable and freed only at shutdown
// (a list that only grows) shows as growth between floors, where a leak-at-exit report would not see it.
//
// The lines used (every number is hexadecimal; strings and instruction pointers are indexed from 1, allocation
// infos from 0, in the order they appear):
//   s LEN TEXT                  a string
//   i IP MODULE [FN FILE LINE]* an instruction pointer: its module, then its frame and the frames it was inlined into
//   t IP PARENT                 a call-stack node: this instruction pointer, called from the node PARENT (0: the root)
//   a SIZE TRACE                an allocation info: SIZE bytes allocated at stack TRACE
//   + INFO / - INFO             one allocation / deallocation of that allocation info
//   c MS                        time since heaptrack started, written every few ms by its timer thread

export interface Frame {
  /** Function name, when heaptrack could symbolize the address. */
  function: string | null;
  /** Source file and line, when the binary has debug information. */
  file: string | null;
  line: number | null;
}

export interface InstructionPointer {
  address: string;
  module: string | null;
  /** Innermost first: the frame the address is in, then the frames it was inlined into. */
  frames: Frame[];
}

/** A stack as read from the trace: the allocating frame first. */
export interface TraceStack {
  ips: InstructionPointer[];
}

export interface TraceReplay {
  /** Live bytes per stack (trace index) at each cut, counted as malloc chunks (mallocChunkBytes), in the order the cuts were given. */
  liveByCut: Map<number, number>[];
  /** For each cut, whether the trace reached that point in time (false: it ended before). */
  reached: boolean[];
  stackOf(trace: number): TraceStack;
  /** Last timestamp the trace holds (ms since heaptrack started). */
  endMs: number;
  /** Lines read, for the benchmark. */
  lines: number;
}

/**
 * glibc's malloc (Debian's brokers) takes 8 bytes of header per chunk, rounds the chunk up to 16 bytes and never
 * hands out less than 32: RSS pays the chunk, not the size asked for, so sites are counted in chunks to compare
 * with the RSS slope (a 256-byte request takes 272 bytes).
 */
export const MALLOC_HEADER_BYTES = 8;
export const MALLOC_ALIGNMENT_BYTES = 16;
export const MALLOC_MIN_CHUNK_BYTES = 32;

export function mallocChunkBytes(requested: number): number {
  const aligned = Math.ceil((requested + MALLOC_HEADER_BYTES) / MALLOC_ALIGNMENT_BYTES) * MALLOC_ALIGNMENT_BYTES;
  return Math.max(MALLOC_MIN_CHUNK_BYTES, aligned);
}

/** Growable numeric columns: a trace holds millions of allocation events over thousands of infos. */
class Column {
  private data = new Float64Array(1024);
  length = 0;
  get(index: number): number {
    return index < this.length ? (this.data[index] as number) : 0;
  }
  set(index: number, value: number): void {
    while (index >= this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[index] = value;
    if (index >= this.length) this.length = index + 1;
  }
  push(value: number): void {
    this.set(this.length, value);
  }
}

/**
 * Replays the trace in `file` and takes the live bytes per stack at each cut (ms since heaptrack started,
 * ascending). A cut is taken at the first timestamp at or after it: the events before that timestamp line.
 */
export async function replayTrace(file: string, cutsMs: readonly number[]): Promise<TraceReplay> {
  const strings: string[] = [''];
  const ips: InstructionPointer[] = [{ address: '0', module: null, frames: [] }];
  const traceIp: number[] = [0];
  const traceParent: number[] = [0];
  const infoSize = new Column();
  const infoTrace = new Column();
  const infoLive = new Column();
  const liveByCut: Map<number, number>[] = [];
  const reached: boolean[] = [];
  let nextCut = 0;
  let endMs = 0;
  let lines = 0;

  const snapshot = (): Map<number, number> => {
    const live = new Map<number, number>();
    for (let info = 0; info < infoLive.length; info++) {
      const count = infoLive.get(info);
      if (count <= 0) continue;
      const trace = infoTrace.get(info);
      live.set(trace, (live.get(trace) ?? 0) + count * infoSize.get(info));
    }
    return live;
  };

  const input = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of input) {
    lines++;
    const mode = line.charCodeAt(0);
    if (mode === 43 /* + */ || mode === 45 /* - */) {
      const info = Number.parseInt(line.slice(2), 16);
      infoLive.set(info, infoLive.get(info) + (mode === 43 ? 1 : -1));
    } else if (mode === 99 /* c */) {
      endMs = Number.parseInt(line.slice(2), 16);
      while (nextCut < cutsMs.length && endMs >= (cutsMs[nextCut] as number)) {
        liveByCut.push(snapshot());
        reached.push(true);
        nextCut++;
      }
    } else if (mode === 97 /* a */) {
      const [size, trace] = line.slice(2).split(' ');
      infoSize.push(mallocChunkBytes(Number.parseInt(size ?? '0', 16)));
      infoTrace.push(Number.parseInt(trace ?? '0', 16));
      infoLive.set(infoSize.length - 1, infoLive.get(infoSize.length - 1));
    } else if (mode === 116 /* t */) {
      const [ip, parent] = line.slice(2).split(' ');
      traceIp.push(Number.parseInt(ip ?? '0', 16));
      traceParent.push(Number.parseInt(parent ?? '0', 16));
    } else if (mode === 115 /* s */) {
      const space = line.indexOf(' ', 2);
      strings.push(space === -1 ? '' : line.slice(space + 1));
    } else if (mode === 105 /* i */) {
      const fields = line.slice(2).split(' ');
      const module = Number.parseInt(fields[1] ?? '0', 16);
      const frames: Frame[] = [];
      for (let at = 2; at + 2 < fields.length; at += 3) {
        const fn = Number.parseInt(fields[at] as string, 16);
        const fileIndex = Number.parseInt(fields[at + 1] as string, 16);
        frames.push({
          function: fn > 0 ? (strings[fn] ?? null) : null,
          file: fileIndex > 0 ? (strings[fileIndex] ?? null) : null,
          line: fileIndex > 0 ? Number.parseInt(fields[at + 2] as string, 16) : null,
        });
      }
      // A frame with only a function (no file) is written as one number: `i IP MODULE FN`.
      if (fields.length === 3) {
        const fn = Number.parseInt(fields[2] as string, 16);
        frames.push({ function: fn > 0 ? (strings[fn] ?? null) : null, file: null, line: null });
      }
      ips.push({ address: fields[0] ?? '0', module: module > 0 ? (strings[module] ?? null) : null, frames });
    }
  }
  // The trace ended before these cuts (the broker stopped, or the data ran out): what it held last.
  while (liveByCut.length < cutsMs.length) {
    liveByCut.push(snapshot());
    reached.push(false);
  }

  const stackOf = (trace: number): TraceStack => {
    const stack: InstructionPointer[] = [];
    for (let node = trace, hops = 0; node > 0 && hops < 256; hops++) {
      const ip = ips[traceIp[node] ?? 0];
      if (ip !== undefined) stack.push(ip);
      node = traceParent[node] ?? 0;
    }
    return { ips: stack };
  };
  return { liveByCut, reached, stackOf, endMs, lines };
}
