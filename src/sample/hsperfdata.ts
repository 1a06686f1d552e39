// HotSpot's performance counters (`hsperfdata`): the memory-mapped file every JVM writes under
// /tmp/hsperfdata_USER/PID (unless started with -XX:-UsePerfData), the one `jstat` reads. Reading it costs a
// file read, where `jstat`/`jcmd` start a JVM each (half a second of CPU): so it can be read at every tick.
// Pure: bytes in, counters out. Layout: HotSpot's perfMemory.hpp (PerfDataPrologue, PerfDataEntry, v2.0).

/** 0xcafec0c0, always stored big-endian; the rest of the file is in the byte order the prologue gives. */
const PERFDATA_MAGIC = 0xcafec0c0;
const PROLOGUE_BYTES = 32;
/** Entry header: length, name offset, vector length (ints); type, flags, units, variability (bytes); data offset. */
const ENTRY_HEADER_BYTES = 20;

/** Long counters by name (`sun.gc.generation.0.space.0.used`); strings and byte vectors are left out. */
export function parsePerfData(data: Buffer): Map<string, number> {
  if (data.length < PROLOGUE_BYTES || data.readUInt32BE(0) !== PERFDATA_MAGIC)
    throw new Error('not a HotSpot perf data file (no 0xcafec0c0 magic)');
  const little = data.readUInt8(4) === 1;
  const major = data.readUInt8(5);
  if (major !== 2) throw new Error(`perf data version ${major}.${data.readUInt8(6)}: only 2.x is read`);
  const int = (at: number): number => (little ? data.readInt32LE(at) : data.readInt32BE(at));
  const long = (at: number): number => Number(little ? data.readBigInt64LE(at) : data.readBigInt64BE(at));
  const entryOffset = int(24);
  const entries = int(28);
  const counters = new Map<string, number>();
  let at = entryOffset;
  for (let k = 0; k < entries && at + ENTRY_HEADER_BYTES <= data.length; k++) {
    const length = int(at);
    if (length <= 0) break;
    const nameAt = at + int(at + 4);
    const vectorLength = int(at + 8);
    const type = String.fromCharCode(data.readUInt8(at + 12));
    const dataAt = at + int(at + 16);
    const nameEnd = data.indexOf(0, nameAt);
    if (nameEnd > nameAt && type === 'J' && vectorLength === 0 && dataAt + 8 <= data.length)
      counters.set(data.toString('latin1', nameAt, nameEnd), long(dataAt));
    at += length;
  }
  return counters;
}

const SPACE_USED = /^sun\.gc\.generation\.\d+\.space\.\d+\.used$/;

/**
 * The Java heap in use: every generation's spaces (eden, survivors, old), as `jstat -gc` adds S0U+S1U+EU+OU.
 * Null when the JVM publishes no space counters (a collector without them).
 */
export function heapUsedBytes(counters: ReadonlyMap<string, number>): number | null {
  let sum = 0;
  let found = false;
  for (const [name, value] of counters) {
    if (!SPACE_USED.test(name)) continue;
    sum += value;
    found = true;
  }
  return found ? sum : null;
}
