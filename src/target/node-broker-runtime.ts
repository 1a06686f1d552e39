// How mqleak runs its own Node brokers (the embedded broker, and the test fixtures built on it).
//
// A garbage-collected broker's RSS is a sawtooth plus whatever the runtime keeps after a collection.
// Measured on Aedes under connect-churn (2,000 connects per cycle, GC forced before each floor): with
// Node's defaults the cycle floors scattered over ±13 MB; with a 1 MB young generation and one malloc
// arena they stay within ±0.3 MB, with an occasional 6 MB dip. These settings make the embedded
// broker's memory follow its live data, which is what a leak changes; brokers mqleak does not start
// are measured as they are.

/** V8's young generation (semi-space) capped at 1 MB, so scavenges do not leave tens of MB committed. */
export const NODE_BROKER_EXEC_ARGV: readonly string[] = ['--expose-gc', '--max-semi-space-size=1'];

/** One glibc malloc arena: freed socket buffers go back to one heap instead of lingering in per-thread arenas. */
export const NODE_BROKER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };
