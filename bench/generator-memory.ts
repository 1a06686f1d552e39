// Benchmark: mqleak's own memory per idle session held against Mosquitto, for the raw-packet client
// (src/load/raw-mqtt-client.ts) and for MQTT.js (src/load/mqtt-js.ts). Prints one JSON object to stdout.
// Run: npm run bench:generator  [-- --sessions 5000]
//
// Each client kind runs in a fresh child process (so one kind's freed pages do not hide the other's
// growth). The child holds `sessions` idle connections, measuring itself after a forced garbage
// collection at a first step and at the end: the per-session figure is the slope between the two (fixed
// costs such as compiled code and buffer pools fall out), and also the delta from before the first
// connection. The first step is taken at 20% of the sessions or later, once V8's young generation (new
// space) has stopped growing: it grows under load to a fixed size (~32 MB with node's defaults) and would
// otherwise land inside the measuring window as ~3 KB "per session" that does not scale with sessions.
// (No warm-up by opening and closing sessions first: the freed memory would be reused by the measured
// sessions and hide their cost.) The raw client runs twice: with node's default young generation (as in mqleak's own
// process) and with `--max-semi-space-size=1` (as in the load worker processes, see worker-fleet.ts). It also times
// SelfProbe.read() with every session open: the self-check's cost per
// sample at that many file descriptors. Every loop is bounded; Mosquitto is started on a free loopback
// port with a temporary config and stopped by PID.

import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { MqttClient } from 'mqtt';
import { connectMqttJs } from '../src/net/mqtt-js.js';
import { RawMqttConnection } from '../src/load/clients/raw-mqtt-client.js';
import { WORKER_EXEC_ARGV } from '../src/load/fleet/worker-fleet.js';
import { forceSelfGc } from '../src/run/self/self-gc.js';
import { SelfProbe } from '../src/sample/self-probe.js';
import { startMosquitto } from '../test/helpers/brokers.js';

const DEFAULT_SESSIONS = 5000;
/** The first measuring point: past the fixed costs (first connections compile code, grow pools). */
const FIRST_STEP_SHARE = 0.2;
/** Connections in flight at once: well under Mosquitto's listen backlog of 100. */
const IN_FLIGHT = 50;
/** Long enough that neither side pings or drops an idle session during the measurement. */
const KEEPALIVE_S = 600;
const CONNECT_TIMEOUT_MS = 10_000;
/** Idle time after the forced collection before reading /proc: lets the allocator and sockets settle. */
const SETTLE_MS = 1500;
const SELF_PROBE_READS = 50;
const CHILD_TIMEOUT_MS = 180_000;
/** Sessions opened between two looks at the young generation's size while looking for the first step. */
const YOUNG_STEP_SESSIONS = 250;
/** The young generation counts as settled when its size has not changed over this many steps. */
const YOUNG_STABLE_STEPS = 2;
/** The first step comes no later than this share, so the measuring window keeps 40% of the sessions. */
const LAST_FIRST_STEP_SHARE = 0.6;
/** The issue 7 target for the raw client, per idle session. */
const TARGET_BYTES_PER_SESSION = 4096;

type Kind = 'raw' | 'mqtt.js';

/** One child configuration: a client kind and the node flags its process runs with. */
interface Variant {
  name: string;
  kind: Kind;
  execArgv: readonly string[];
  /** Where mqleak runs this configuration. */
  where: string;
}

const VARIANTS: readonly Variant[] = [
  {
    name: 'raw',
    kind: 'raw',
    execArgv: [],
    where: "mqleak's own process (the in-process shard of mass-connect: node's default young generation)",
  },
  {
    name: 'raw-worker',
    kind: 'raw',
    execArgv: WORKER_EXEC_ARGV,
    where: `load worker processes (mass-connect past one process's open-files cap: ${WORKER_EXEC_ARGV.join(' ')})`,
  },
  { name: 'mqtt.js', kind: 'mqtt.js', execArgv: [], where: 'MQTT.js, for comparison (node defaults)' },
];

interface Memory {
  rss: number;
  rssAnon: number;
  heapUsed: number;
  heapTotal: number;
  /** V8's young generation (new space) size: a fixed cost that grows to its maximum under load. */
  newSpace: number;
  external: number;
}

interface ChildResult {
  kind: Kind;
  sessions: number;
  firstStep: number;
  failed: number;
  connectMs: number;
  /** Time spent opening the sessions (the two fill steps, not the measuring pauses between them). */
  fillMs: number;
  /** [sessions opened, young generation size] at each look before the first step. */
  youngGeneration: [number, number][];
  before: Memory;
  atFirstStep: Memory;
  atEnd: Memory;
  selfProbeReadMs: { median: number; max: number; cpuMicrosPerRead: number; fds: number };
}

function statusKib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
}

/**
 * Allocates twice the young generation's size in objects that die at once: every page of both
 * semi-spaces is then touched (in RSS), as it is after any busy spell, and nothing survives to the old
 * generation. Without it, the young generation's pages enter RSS bit by bit during the fill: a fixed
 * cost (≤ 32 MB with node defaults) that would be counted per session.
 */
// biome-ignore lint/correctness/noUnusedVariables: written, never read, so that the allocations happen
let garbage: unknown = null; // module-level, so the allocations cannot be optimised away
function touchYoungGeneration(): void {
  const objects = Math.ceil((2 * newSpaceSize()) / 32); // a two-element array is ~32 bytes
  for (let i = 0; i < objects; i++) garbage = [i, i];
  garbage = null;
}

async function measure(): Promise<Memory> {
  forceSelfGc();
  touchYoungGeneration();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  forceSelfGc();
  const status = await readFile('/proc/self/status', 'utf8');
  const usage = process.memoryUsage();
  return {
    rss: statusKib(status, 'VmRSS'),
    rssAnon: statusKib(status, 'RssAnon'),
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    newSpace: newSpaceSize(),
    external: usage.external,
  };
}

function newSpaceSize(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

type Closer = () => void;

async function openOne(kind: Kind, port: number, clientId: string): Promise<Closer> {
  if (kind === 'raw') {
    const connection = await RawMqttConnection.connect({
      host: '127.0.0.1',
      port,
      clientId,
      protocolVersion: 4,
      keepalive: KEEPALIVE_S,
      clean: true,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    return () => connection.vanish();
  }
  const client: MqttClient = await connectMqttJs(
    { url: `mqtt://127.0.0.1:${port}`, host: '127.0.0.1', port },
    { clientId, keepalive: KEEPALIVE_S, reconnectPeriod: 0, clean: true, connectTimeout: CONNECT_TIMEOUT_MS },
  );
  return () => client.end(true);
}

/** Opens sessions [from, to) with IN_FLIGHT at a time; returns how many failed. */
async function openSessions(kind: Kind, port: number, from: number, to: number, held: Closer[]): Promise<number> {
  let next = from;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < to) {
      const k = next++;
      try {
        held.push(await openOne(kind, port, `mqleak-bench-${process.pid}-${k}`));
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return failed;
}

async function probeCost(): Promise<ChildResult['selfProbeReadMs']> {
  const probe = new SelfProbe(process.pid);
  const times: number[] = [];
  let fds = 0;
  const cpuBefore = process.cpuUsage();
  for (let k = 0; k < SELF_PROBE_READS; k++) {
    const start = process.hrtime.bigint();
    const values = await probe.read(k * 100);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    fds = values['proc.fds'] ?? fds; // counted on every 10th read only, with this many open
  }
  const cpu = process.cpuUsage(cpuBefore);
  times.sort((a, b) => a - b);
  // Reads 100 ms apart on the probe's clock: the process tree is re-read every 10th, as in a run.
  return {
    median: times[Math.floor(times.length / 2)] ?? 0,
    max: times.at(-1) ?? 0,
    cpuMicrosPerRead: Math.round((cpu.user + cpu.system) / SELF_PROBE_READS),
    fds,
  };
}

async function child(kind: Kind, port: number, sessions: number): Promise<ChildResult> {
  const held: Closer[] = [];
  const before = await measure();
  const started = Date.now();
  // Fill to the first step: at least FIRST_STEP_SHARE, and on until the young generation stops growing.
  const youngGeneration: [number, number][] = [[0, newSpaceSize()]];
  const earliest = Math.round(sessions * FIRST_STEP_SHARE);
  const latest = Math.round(sessions * LAST_FIRST_STEP_SHARE);
  let firstStep = 0;
  let failed = 0;
  while (firstStep < latest) {
    const to = Math.min(firstStep + YOUNG_STEP_SESSIONS, latest);
    failed += await openSessions(kind, port, firstStep, to, held);
    firstStep = to;
    youngGeneration.push([firstStep, newSpaceSize()]);
    const recent = youngGeneration.slice(-1 - YOUNG_STABLE_STEPS).map(([, size]) => size);
    if (firstStep >= earliest && recent.length > YOUNG_STABLE_STEPS && recent.every((size) => size === recent[0]))
      break;
  }
  let fillMs = Date.now() - started;
  const atFirstStep = await measure();
  const secondStarted = Date.now();
  failed += await openSessions(kind, port, firstStep, sessions, held);
  fillMs += Date.now() - secondStarted;
  const connectMs = Date.now() - started;
  const atEnd = await measure();
  const selfProbeReadMs = await probeCost();
  for (const close of held) close();
  return {
    kind,
    sessions,
    firstStep,
    failed,
    connectMs,
    fillMs,
    youngGeneration,
    before,
    atFirstStep,
    atEnd,
    selfProbeReadMs,
  };
}

function runChild(variant: Variant, port: number, sessions: number): Promise<ChildResult> {
  const { kind } = variant;
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', kind, String(port), String(sessions)], {
      execArgv: [...process.execArgv, ...variant.execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => {
      if (proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
      reject(new Error(`${kind} child did not finish within ${CHILD_TIMEOUT_MS} ms`));
    }, CHILD_TIMEOUT_MS);
    proc.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as ChildResult);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} child exited with code ${code ?? '?'} before reporting`));
    });
  });
}

function perSession(result: ChildResult, field: keyof Memory): { slope: number; fromZero: number } {
  const held = result.sessions - result.failed;
  const slopeSessions = Math.max(1, held - result.firstStep);
  return {
    slope: Math.round((result.atEnd[field] - result.atFirstStep[field]) / slopeSessions),
    fromZero: Math.round((result.atEnd[field] - result.before[field]) / Math.max(1, held)),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const result = await child(args[1] as Kind, Number(args[2]), Number(args[3]));
    process.send?.(result, () => process.exit(0));
    return;
  }
  const sessionsFlag = args.indexOf('--sessions');
  const sessions = sessionsFlag >= 0 ? Number(args[sessionsFlag + 1]) : DEFAULT_SESSIONS;
  if (!Number.isInteger(sessions) || sessions < 100 || sessions > 15_000)
    throw new Error(
      '--sessions: a whole number from 100 to 15000 (Mosquitto and this process are capped at 20,000 open files)',
    );
  const started = Date.now();
  const broker = await startMosquitto(['max_connections -1']);
  const results: Record<string, unknown> = {};
  try {
    for (const variant of VARIANTS) {
      const result = await runChild(variant, broker.port, sessions);
      const rss = perSession(result, 'rss');
      results[variant.name] = {
        where: variant.where,
        nodeFlags: variant.execArgv,
        sessionsHeld: result.sessions - result.failed,
        failed: result.failed,
        connectMs: result.connectMs,
        fillSessionsPerSecond: Math.round((result.sessions / Math.max(1, result.fillMs)) * 1000),
        bytesPerSession: {
          rss,
          rssAnon: perSession(result, 'rssAnon'),
          heapUsed: perSession(result, 'heapUsed'),
          heapTotal: perSession(result, 'heapTotal'),
          newSpace: perSession(result, 'newSpace'),
          external: perSession(result, 'external'),
        },
        ...(variant.kind === 'raw' ? { targetMet: rss.slope <= TARGET_BYTES_PER_SESSION } : {}),
        youngGenerationBeforeFirstStep: result.youngGeneration,
        memory: {
          before: result.before,
          atFirstStep: result.atFirstStep,
          atEnd: result.atEnd,
          firstStepSessions: result.firstStep,
        },
        selfProbeReadMs: result.selfProbeReadMs,
      };
    }
  } finally {
    await broker.stop();
  }
  const output = {
    benchmark: 'generator-memory',
    meaning:
      'mqleak memory per idle session held against Mosquitto, after a forced GC: `slope` ' +
      'between the first step and 100% of the sessions (fixed costs fall out; the first ' +
      "step is at 20% or later, once V8's young generation — a fixed cost that grows under " +
      'load to ~32 MB with node defaults, memory.*.newSpace — has reached its size), ' +
      '`fromZero` from before the first connection; each configuration in a fresh process. ' +
      "`raw` runs with node defaults as mqleak's own process does, `raw-worker` with the " +
      "load workers' flags. fillSessionsPerSecond: connects completed per second during " +
      "the fill (50 in flight). selfProbeReadMs: one self-check sample (the coordinator's " +
      '/proc status, stat and fd count) with every session open.',
    target: 'raw rss slope ≤ 4096 B per idle session (issue 7)',
    targetBytesPerSession: TARGET_BYTES_PER_SESSION,
    /** Met when both raw configurations (mqleak's own process and the load workers) are within the target. */
    targetMet: VARIANTS.filter((variant) => variant.kind === 'raw').every(
      (variant) => (results[variant.name] as { targetMet?: boolean } | undefined)?.targetMet === true,
    ),
    params: {
      sessions,
      firstStepShare: FIRST_STEP_SHARE,
      youngStepSessions: YOUNG_STEP_SESSIONS,
      youngStableSteps: YOUNG_STABLE_STEPS,
      lastFirstStepShare: LAST_FIRST_STEP_SHARE,
      inFlight: IN_FLIGHT,
      keepaliveSeconds: KEEPALIVE_S,
      settleMs: SETTLE_MS,
      broker: 'mosquitto (Debian), 127.0.0.1, temp config',
    },
    environment: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      platform: `${os.platform()} ${os.release()}`,
    },
    results,
    elapsedMs: Date.now() - started,
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

await main();
