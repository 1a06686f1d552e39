// Benchmark: mqleak's own memory per idle session held against Mosquitto, for the raw-packet client
// (src/load/raw-mqtt-client.ts) and for MQTT.js (src/load/mqtt-js.ts). Prints one JSON object to stdout.
// Run: npm run bench:generator  [-- --sessions 5000]
//
// Each client kind runs in a fresh child process (so one kind's freed pages do not hide the other's
// growth). The child holds `sessions` idle connections, measuring itself after a forced garbage
// collection at a first step and at the end: the per-session figure is the slope between the two
// (fixed costs such as compiled code and buffer pools fall out), and also the delta from before the
// first connection. It also times SelfProbe.read() with every session open: the self-check's cost per
// sample at that many file descriptors. Every loop is bounded; Mosquitto is started on a free loopback
// port with a temporary config and stopped by PID.

import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { connectMqttJs } from '../src/load/mqtt-js.js';
import { RawMqttConnection } from '../src/load/raw-mqtt-client.js';
import { forceSelfGc } from '../src/run/self-gc.js';
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

type Kind = 'raw' | 'mqtt.js';

interface Memory {
  rss: number;
  rssAnon: number;
  heapUsed: number;
  external: number;
}

interface ChildResult {
  kind: Kind;
  sessions: number;
  firstStep: number;
  failed: number;
  connectMs: number;
  before: Memory;
  atFirstStep: Memory;
  atEnd: Memory;
  selfProbeReadMs: { median: number; max: number; cpuMicrosPerRead: number; fds: number };
}

function statusKib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
}

async function measure(): Promise<Memory> {
  forceSelfGc();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  forceSelfGc();
  const status = await readFile('/proc/self/status', 'utf8');
  const usage = process.memoryUsage();
  return { rss: statusKib(status, 'VmRSS'), rssAnon: statusKib(status, 'RssAnon'), heapUsed: usage.heapUsed, external: usage.external };
}

type Closer = () => void;

async function openOne(kind: Kind, port: number, clientId: string): Promise<Closer> {
  if (kind === 'raw') {
    const connection = await RawMqttConnection.connect({ host: '127.0.0.1', port, clientId, protocolVersion: 4, keepalive: KEEPALIVE_S, clean: true, timeoutMs: CONNECT_TIMEOUT_MS });
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
  return { median: times[Math.floor(times.length / 2)] ?? 0, max: times.at(-1) ?? 0, cpuMicrosPerRead: Math.round((cpu.user + cpu.system) / SELF_PROBE_READS), fds };
}

async function child(kind: Kind, port: number, sessions: number): Promise<ChildResult> {
  const firstStep = Math.round(sessions * FIRST_STEP_SHARE);
  const held: Closer[] = [];
  const before = await measure();
  const started = Date.now();
  let failed = await openSessions(kind, port, 0, firstStep, held);
  const atFirstStep = await measure();
  failed += await openSessions(kind, port, firstStep, sessions, held);
  const connectMs = Date.now() - started;
  const atEnd = await measure();
  const selfProbeReadMs = await probeCost();
  for (const close of held) close();
  return { kind, sessions, firstStep, failed, connectMs, before, atFirstStep, atEnd, selfProbeReadMs };
}

function runChild(kind: Kind, port: number, sessions: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', kind, String(port), String(sessions)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  if (!Number.isInteger(sessions) || sessions < 100 || sessions > 15_000) throw new Error('--sessions: a whole number from 100 to 15000 (Mosquitto and this process are capped at 20,000 open files)');
  const started = Date.now();
  const broker = await startMosquitto(['max_connections -1']);
  const results: Record<string, unknown> = {};
  try {
    for (const kind of ['raw', 'mqtt.js'] as const) {
      const result = await runChild(kind, broker.port, sessions);
      results[kind] = {
        sessionsHeld: result.sessions - result.failed,
        failed: result.failed,
        connectMs: result.connectMs,
        bytesPerSession: {
          rss: perSession(result, 'rss'),
          rssAnon: perSession(result, 'rssAnon'),
          heapUsed: perSession(result, 'heapUsed'),
          external: perSession(result, 'external'),
        },
        memory: { before: result.before, atFirstStep: result.atFirstStep, atEnd: result.atEnd, firstStepSessions: result.firstStep },
        selfProbeReadMs: result.selfProbeReadMs,
      };
    }
  } finally {
    await broker.stop();
  }
  const output = {
    benchmark: 'generator-memory',
    meaning:
      'mqleak memory per idle session held against Mosquitto, after a forced GC: `slope` between 20% and 100% of the sessions (fixed costs fall out), `fromZero` from before the first connection; each client kind in a fresh process. selfProbeReadMs: one self-check sample (the coordinator\'s /proc status, stat and fd count) with every session open.',
    target: 'raw rss slope ≤ 4096 B per idle session (issue 7)',
    params: { sessions, firstStepShare: FIRST_STEP_SHARE, inFlight: IN_FLIGHT, keepaliveSeconds: KEEPALIVE_S, settleMs: SETTLE_MS, broker: 'mosquitto (Debian), 127.0.0.1, temp config' },
    environment: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', platform: `${os.platform()} ${os.release()}` },
    results,
    elapsedMs: Date.now() - started,
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

await main();
