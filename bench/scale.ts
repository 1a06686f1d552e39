// Scale benchmarks (issue 7): how many MQTT sessions one mqleak run holds at once, and how fast it churns
// connections, against a CONNACK-answering sink (mqleak's own ceiling) and against Debian's Mosquitto.
// Prints one JSON object to stdout; no pass/fail. Needs `mosquitto` on the PATH for the Mosquitto parts.
//   npm run bench:scale                       # everything (a few minutes)
//   npm run bench:scale -- sessions-sink      # one part: sessions-sink, sessions-mosquitto, churn-mosquitto,
//                                             #   churn-sink, churn-reference
//   npm run bench:scale -- sessions-sink --clients 100000
//   npm run bench:scale -- churn-mosquitto churn-reference --churn-processes 1   # mqleak's churn vs the C reference
//   npm run bench:scale -- churn-mosquitto --churn-client raw                     # churn on RawMqttConnection
// churn-reference compiles bench/c/churn.c with gcc into a temp dir (skipped with a note without gcc) and runs
// `--reference-processes` copies of it against a fresh Mosquitto: what any generator gets from it here.
// Every load is bounded in count and time, on 127.0.0.0/8 only; every process started is stopped by PID.
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { HeldClientsOptions } from '../src/load/clients/held-clients.js';
import { diagnoseRate, type PacedTally } from '../src/load/pacing/pacing.js';
import { planSourceAddresses } from '../src/load/fleet/source-addresses.js';
import { startShards } from '../src/load/fleet/worker-fleet.js';
import { clientsPerProcess, openFilesLimit, splitClients } from '../src/load/fleet/worker-split.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string' },
    'mosquitto-clients': { type: 'string', default: '20500' },
    'churn-seconds': { type: 'string', default: '10' },
    'churn-processes': { type: 'string', default: '1,2' },
    'churn-client': { type: 'string', default: 'lean' },
    'reference-processes': { type: 'string', default: '16' },
  },
});
const PARTS = ['sessions-sink', 'sessions-mosquitto', 'churn-mosquitto', 'churn-sink', 'churn-reference'] as const;
const parts = positionals.length > 0 ? positionals : [...PARTS];
for (const part of parts)
  if (!(PARTS as readonly string[]).includes(part)) throw new Error(`unknown part ${part}: one of ${PARTS.join(', ')}`);
const CHURN_CLIENTS = ['lean', 'raw'];
if (!CHURN_CLIENTS.includes(values['churn-client'] as string))
  throw new Error(`--churn-client: one of ${CHURN_CLIENTS.join(', ')}`);

/** 100,000 sessions: the target for one 2-core machine. */
const SINK_CLIENTS = Number(values.clients ?? 100_000);
/** Connects in flight against the sink (its backlog is 4096) and against Mosquitto (backlog 100). */
const SINK_IN_FLIGHT = 400;
const MOSQUITTO_IN_FLIGHT = 50;
/** Bound on one fill. */
const FILL_TIMEOUT_MS = 240_000;
const CHURN_IN_FLIGHT = 50;
/** Count bound of one reference process: far above what one blocking process reaches per second. */
const MAX_REFERENCE_CYCLES_PER_SECOND = 50_000;
const CLK_TCK = 100;

const round = (value: number, digits = 0): number => Math.round(value * 10 ** digits) / 10 ** digits;

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
}

/** The machine's CPU time by state, in ticks, from the first line of /proc/stat. */
interface MachineTicks {
  total: number;
  idle: number;
  softirq: number;
  steal: number;
}

async function machineTicks(): Promise<MachineTicks> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] as string;
  // cpu user nice system idle iowait irq softirq steal (guest time is already counted in user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number) as number[];
  return {
    total: user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!,
    idle: idle! + iowait!,
    softirq: softirq!,
    steal: steal!,
  };
}

/**
 * Shares of the whole machine (all cores) between two readings: idle, softirq (kernel network work no
 * process is charged for), steal; and `otherCpu`, the cores busy with neither the load nor the target nor
 * softirq (`measuredCores`: their CPU over the run) — other work on the machine that skews the run when large.
 */
function machineShares(before: MachineTicks, after: MachineTicks, measuredCores: number): Record<string, number> {
  const total = Math.max(1, after.total - before.total);
  const idle = (after.idle - before.idle) / total;
  const softirq = (after.softirq - before.softirq) / total;
  const steal = (after.steal - before.steal) / total;
  const cpus = os.cpus().length;
  return {
    idle: round(idle, 3),
    softirq: round(softirq, 3),
    steal: round(steal, 3),
    otherCpu: round(Math.max(0, (1 - idle - softirq - steal) * cpus - measuredCores), 2),
  };
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

async function fdCount(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface Target {
  name: string;
  port: number;
  /** Processes whose CPU is the target's. */
  pids: number[];
  fdLimit: number | null;
  stop(): Promise<void>;
}

async function startSink(processes: number, closeAfterConnack: boolean): Promise<Target> {
  const child = spawn(
    process.execPath,
    [path.join(HERE, 'connack-sink.mjs'), '--processes', String(processes), ...(closeAfterConnack ? ['--close'] : [])],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`connack-sink exited (${code})`)));
  });
  const match = /listening on port (\d+) \(\d+ processes: ([\d ]+)\)/.exec(line);
  if (match === null) throw new Error(`connack-sink: ${line}`);
  const pids = (match[2] as string).trim().split(' ').map(Number);
  return {
    name: closeAfterConnack
      ? `no-op sink (CONNACK, then close; ${processes} processes)`
      : `CONNACK sink (${processes} processes)`,
    port: Number(match[1]),
    pids,
    fdLimit: openFilesLimit(await readFile(`/proc/${pids[0]}/limits`, 'utf8'))?.soft ?? null,
    stop: () => stopChild(child),
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startMosquitto(): Promise<Target & { version: string; log: string }> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-bench-mosquitto-'));
  await chmod(dir, 0o777); // run as root, Mosquitto drops to its own user and must still write its log
  const log = path.join(dir, 'mosquitto.log');
  const config = path.join(dir, 'mosquitto.conf');
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_connections -1',
      `log_dest file ${log}`,
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = child.pid as number;
  const version = await new Promise<string>((resolve) => {
    const probe = spawn('mosquitto', ['-h'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    probe.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    probe.once('exit', () => resolve(/mosquitto version (\S+)/.exec(out)?.[1] ?? 'unknown'));
  });
  return {
    name: `Mosquitto ${version}`,
    version,
    port,
    pids: [pid],
    log,
    fdLimit: openFilesLimit(await readFile(`/proc/${pid}/limits`, 'utf8'))?.soft ?? null,
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Fills `clients` held sessions spread over load processes and source addresses; what was held at the peak. */
async function maxSessions(target: Target, clients: number, inFlight: number): Promise<Record<string, unknown>> {
  const ownLimit = openFilesLimit(await readFile('/proc/self/limits', 'utf8'))?.soft ?? Infinity;
  const perProcess = clientsPerProcess(ownLimit);
  const shards = splitClients(clients, perProcess);
  const sources = planSourceAddresses('127.0.0.1', clients);
  const options: HeldClientsOptions = {
    host: '127.0.0.1',
    port: target.port,
    clientIdPrefix: 'bench',
    topicRoot: 'bench',
    protocolVersion: 4,
    keepalive: 0, // no keepalive: a session held by the benchmark must not be dropped for silence
    connectTimeoutMs: 10_000,
    subscribers: 0,
    qos: 0,
    payloadBytes: 0,
    abruptShare: 1,
    sourceAddresses: sources.addresses,
    sourcesPerCycle: sources.perCycle,
  };
  const runners = await startShards(shards.length, options, false);
  try {
    await Promise.all(runners.map((runner) => runner.begin(0)));
    const started = Date.now();
    const signal = new AbortController().signal;
    const fills = await Promise.all(
      shards.map((shard, i) =>
        runners[i]!.fill(
          {
            offset: shard.offset,
            count: shard.count,
            concurrency: Math.max(1, Math.round((inFlight * shard.count) / clients)),
            rate: 0,
            deadlineMs: Date.now() + FILL_TIMEOUT_MS,
          },
          signal,
        ),
      ),
    );
    const fillSeconds = (Date.now() - started) / 1000;
    const held = fills.reduce((sum, fill) => sum + fill.held, 0);
    const failureKinds: Record<string, number> = {};
    for (const fill of fills)
      for (const [kind, n] of Object.entries(fill.tally.failureKinds))
        failureKinds[kind] = (failureKinds[kind] ?? 0) + n;
    const targetFds = await Promise.all(target.pids.map(fdCount));
    const targetRss = await Promise.all(target.pids.map(rssBytes));
    const workerRss = await Promise.all(runners.map((runner) => rssBytes(runner.pid)));
    const released = await Promise.all(runners.map((runner) => runner.release(60_000)));
    return {
      target: target.name,
      asked: clients,
      maxConcurrentSessions: held,
      failed: fills.reduce((sum, fill) => sum + fill.tally.failures, 0),
      failureKinds,
      droppedBeforeRelease: released.reduce((sum, r) => sum + r.dropped, 0),
      fillSeconds: round(fillSeconds, 1),
      connectsPerSecond: round(held / fillSeconds),
      loadProcesses: runners.length,
      clientsPerProcess: shards.map((shard) => shard.count),
      sourceAddressesAtOnce: sources.perCycle,
      loadProcessRssMB: workerRss.map((rss) => round(rss / 2 ** 20, 1)),
      targetFdsAtPeak: targetFds.reduce((a, b) => a + b, 0),
      targetFdLimitPerProcess: target.fdLimit,
      targetRssMB: round(targetRss.reduce((a, b) => a + b, 0) / 2 ** 20, 1),
    };
  } finally {
    await Promise.all(runners.map((runner) => runner.stop()));
  }
}

interface ChurnReply {
  tally: Pick<PacedTally, 'attempted' | 'failures' | 'failureKinds' | 'elapsedMs'>;
  cpuUs: number;
  userUs: number;
  systemUs: number;
}

/** Connect churn for `seconds` from `processes` load processes, each as fast as its in-flight bound allows. */
async function churn(target: Target, processes: number, seconds: number): Promise<Record<string, unknown>> {
  const targetCpuBefore = await Promise.all(target.pids.map(cpuSeconds));
  const machineBefore = await machineTicks();
  const started = Date.now();
  const replies = await Promise.all(
    Array.from({ length: processes }, (_, worker) => {
      const child = fork(path.join(HERE, 'churn-worker.ts'), [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          CHURN_HOST: '127.0.0.1',
          CHURN_PORT: String(target.port),
          CHURN_SECONDS: String(seconds),
          CHURN_RATE: 'Infinity',
          CHURN_IN_FLIGHT: String(Math.max(1, Math.floor(CHURN_IN_FLIGHT / processes))),
          // Unbound: churned connections mqleak closes first leave their port in TIME_WAIT for 60 s, which the
          // kernel reuses for an unbound loopback connect (tcp_tw_reuse) but never for a bound one.
          CHURN_SOURCE: '',
          CHURN_WORKER: String(worker),
          CHURN_CLIENT: values['churn-client'] as string,
        },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      return new Promise<ChurnReply>((resolve, reject) => {
        const timer = setTimeout(
          () => {
            child.kill('SIGKILL');
            reject(new Error('churn worker did not answer'));
          },
          (seconds + 60) * 1000,
        );
        child.once('message', (message) => {
          clearTimeout(timer);
          resolve(message as ChurnReply);
        });
        child.once('exit', (code) => code !== 0 && reject(new Error(`churn worker exited ${code}`)));
      });
    }),
  );
  const wallSeconds = (Date.now() - started) / 1000;
  const targetCpuAfter = await Promise.all(target.pids.map(cpuSeconds));
  const machineAfter = await machineTicks();
  const targetCpuSeconds = targetCpuAfter.reduce((sum, after, i) => sum + after - (targetCpuBefore[i] as number), 0);
  const generatorUs = replies.reduce((sum, reply) => sum + reply.cpuUs, 0);
  const machine = machineShares(machineBefore, machineAfter, (generatorUs / 1e6 + targetCpuSeconds) / wallSeconds);
  const targetCpu =
    targetCpuAfter.reduce((sum, after, i) => sum + after - (targetCpuBefore[i] as number), 0) / wallSeconds;
  const ops = replies.reduce((sum, reply) => sum + reply.tally.attempted - reply.tally.failures, 0);
  const opSeconds = Math.max(...replies.map((reply) => reply.tally.elapsedMs)) / 1000;
  const generatorCpu = replies.map((reply) => reply.cpuUs / 1e6 / (reply.tally.elapsedMs / 1000));
  const rate = ops / opSeconds;
  // The busiest target process decides a single-threaded broker; a multi-process sink is judged on its sum per core.
  const brokerCpu = target.pids.length === 1 ? targetCpu : targetCpu / Math.min(target.pids.length, os.cpus().length);
  const generatorUserUs = replies.reduce((sum, reply) => sum + reply.userUs, 0);
  const failureKinds: Record<string, number> = {};
  for (const reply of replies)
    for (const [kind, n] of Object.entries(reply.tally.failureKinds))
      failureKinds[kind] = (failureKinds[kind] ?? 0) + n;
  return {
    target: target.name,
    client: values['churn-client'],
    loadProcesses: processes,
    seconds: round(opSeconds, 1),
    cyclesPerSecond: round(rate),
    failed: replies.reduce((sum, reply) => sum + reply.tally.failures, 0),
    failureKinds,
    generatorCpuPerProcess: generatorCpu.map((share) => round(share, 2)),
    targetCpu: round(targetCpu, 2),
    // CPU time per successful cycle: mqleak's (all its load processes; user share of it) and the target's.
    generatorCpuUsPerCycle: round(generatorUs / Math.max(1, ops), 1),
    generatorUserShare: round(generatorUserUs / Math.max(1, generatorUs), 2),
    targetCpuUsPerCycle: round((targetCpuSeconds * 1e6) / Math.max(1, ops), 1),
    machine,
    bound: diagnoseRate({ asked: Infinity, achieved: rate, generatorCpu, brokerCpu }).bound,
    inFlight: CHURN_IN_FLIGHT,
  };
}

/** Compiles bench/c/churn.c into `dir`; null (with the reason) when there is no gcc or it fails. */
async function compileReference(dir: string): Promise<{ binary: string } | { skipped: string }> {
  const binary = path.join(dir, 'churn');
  return new Promise((resolve) => {
    execFile(
      'gcc',
      ['-O2', '-o', binary, path.join(HERE, 'c', 'churn.c')],
      { timeout: 60_000 },
      (error, _stdout, stderr) => {
        if (error === null) resolve({ binary });
        else
          resolve({
            skipped:
              (error as NodeJS.ErrnoException).code === 'ENOENT'
                ? 'gcc not found: install gcc to run the C reference'
                : `gcc failed: ${stderr.trim() || error.message}`,
          });
      },
    );
  });
}

interface ReferenceReply {
  cycles: number;
  failures: number;
  userUs: number;
  systemUs: number;
  elapsedMs: number;
}

/** The C reference client (bench/c/churn.c), `processes` copies at once, for `seconds` against `target`. */
async function referenceChurn(
  binary: string,
  target: Target,
  processes: number,
  seconds: number,
): Promise<Record<string, unknown>> {
  const targetCpuBefore = await Promise.all(target.pids.map(cpuSeconds));
  const machineBefore = await machineTicks();
  const started = Date.now();
  const replies = await Promise.all(
    Array.from({ length: processes }, (_, worker) => {
      const child = spawn(
        binary,
        [
          '127.0.0.1',
          String(target.port),
          String(seconds),
          String(seconds * MAX_REFERENCE_CYCLES_PER_SECOND),
          String(worker),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      return new Promise<ReferenceReply>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        // 'close', not 'exit': the process may exit before its output has been read.
        child.once('close', (code) => {
          clearTimeout(timer);
          try {
            if (code !== 0) throw new Error(`exited ${code}`);
            resolve(JSON.parse(out) as ReferenceReply);
          } catch (error) {
            reject(
              new Error(
                `reference churn process ${worker}: ${(error as Error).message} (output: ${out.slice(0, 200)})`,
              ),
            );
          }
        });
      });
    }),
  );
  const wallSeconds = (Date.now() - started) / 1000;
  const targetCpuAfter = await Promise.all(target.pids.map(cpuSeconds));
  const machineAfter = await machineTicks();
  const targetCpuSeconds = targetCpuAfter.reduce((sum, after, i) => sum + after - (targetCpuBefore[i] as number), 0);
  const cycles = replies.reduce((sum, reply) => sum + reply.cycles, 0);
  const opSeconds = Math.max(...replies.map((reply) => reply.elapsedMs)) / 1000;
  const clientUs = replies.reduce((sum, reply) => sum + reply.userUs + reply.systemUs, 0);
  const machine = machineShares(machineBefore, machineAfter, (clientUs / 1e6 + targetCpuSeconds) / wallSeconds);
  return {
    target: target.name,
    client: 'C reference (bench/c/churn.c, blocking, one connection per process)',
    referenceProcesses: processes,
    seconds: round(opSeconds, 1),
    cyclesPerSecond: round(cycles / opSeconds),
    failed: replies.reduce((sum, reply) => sum + reply.failures, 0),
    referenceCpu: round(clientUs / 1e6 / wallSeconds, 2),
    referenceCpuUsPerCycle: round(clientUs / Math.max(1, cycles), 1),
    targetCpu: round(targetCpuSeconds / wallSeconds, 2),
    targetCpuUsPerCycle: round((targetCpuSeconds * 1e6) / Math.max(1, cycles), 1),
    machine,
  };
}

const started = Date.now();
const results: Record<string, unknown> = {};
const churnProcesses = (values['churn-processes'] as string).split(',').map(Number);
const churnSeconds = Number(values['churn-seconds']);
const referenceProcesses = (values['reference-processes'] as string).split(',').map(Number);
for (const part of parts) {
  if (part === 'sessions-sink') {
    // Sink processes: each well under its own open-files limit, like mqleak's load processes.
    const sink = await startSink(Math.max(2, Math.ceil(SINK_CLIENTS / 12_500)), false);
    try {
      results[part] = await maxSessions(sink, SINK_CLIENTS, SINK_IN_FLIGHT);
    } finally {
      await sink.stop();
    }
  } else if (part === 'sessions-mosquitto') {
    const mosquitto = await startMosquitto();
    try {
      const outcome = await maxSessions(mosquitto, Number(values['mosquitto-clients']), MOSQUITTO_IN_FLIGHT);
      const log = await readFile(mosquitto.log, 'utf8').catch(() => '');
      results[part] = { ...outcome, brokerLogTail: log.trim().split('\n').slice(-3) };
    } finally {
      await mosquitto.stop();
    }
  } else if (part === 'churn-reference') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-bench-churn-c-'));
    try {
      const compiled = await compileReference(dir);
      if ('skipped' in compiled) {
        results[part] = { skipped: compiled.skipped };
        continue;
      }
      const rows = [];
      for (const processes of referenceProcesses) {
        const mosquitto = await startMosquitto();
        try {
          rows.push(await referenceChurn(compiled.binary, mosquitto, processes, churnSeconds));
        } finally {
          await mosquitto.stop();
        }
      }
      results[part] = rows;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } else {
    const rows = [];
    for (const processes of churnProcesses) {
      const target = part === 'churn-mosquitto' ? await startMosquitto() : await startSink(1, true);
      try {
        rows.push(await churn(target, processes, churnSeconds));
      } finally {
        await target.stop();
      }
    }
    results[part] = rows;
  }
}
// mqleak's best churn against Mosquitto as a share of the best the C reference got from the same broker.
const best = (rows: unknown): number | null =>
  Array.isArray(rows) && rows.length > 0
    ? Math.max(...rows.map((row: { cyclesPerSecond: number }) => row.cyclesPerSecond))
    : null;
const mqleakBest = best(results['churn-mosquitto']);
const referenceBest = best(results['churn-reference']);
if (mqleakBest !== null && referenceBest !== null) {
  results.comparison = {
    mqleakCyclesPerSecond: mqleakBest,
    referenceCyclesPerSecond: referenceBest,
    mqleakShareOfReference: round(mqleakBest / referenceBest, 2),
  };
}
const machine = { cpus: os.cpus().length, memoryGB: round(os.totalmem() / 2 ** 30, 1), node: process.version };
process.stdout.write(
  `${JSON.stringify({ benchmark: 'scale', machine, results, elapsedMs: Date.now() - started }, null, 2)}\n`,
);
