// Distributed-run benchmarks (issue 18): mqleak agents in network namespaces on this machine (each its own
// host and address, test/helpers/netns.ts), one coordinator here. Prints one JSON object; no pass/fail.
// Needs root (ip netns). Every namespace is removed afterwards; every process started is stopped by PID.
//   npm run bench:agents                      # every part (several minutes)
//   npm run bench:agents -- scale
//     1..4 agents vs one local process: sessions, rate, overhead, coordinator memory
//   npm run bench:agents -- sessions --clients 100000
//     that many sessions held by 4 agents against the multi-process sink
//   npm run bench:agents -- leak              # the fixture's leak estimate: one host vs split over 3 agents
//   npm run bench:agents -- leak --leak-scenario connect-churn   # the same, each cycle's connections split
//   npm run bench:agents -- churn
//     connect-churn, each cycle's connections split over 1..4 agents vs one local process: churn rate, overhead
// The machine's 2 cores cap the absolute figures: agents here share the cores the single process had.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RunReport, ScenarioReport } from '../src/core/report-model.js';
import { startFixtureBroker } from '../test/helpers/brokers.js';
import { createHosts, netnsUnavailable, type NetnsHosts } from '../test/helpers/netns.js';
import { readReportFile } from '../src/report/read-report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');
const MQLEAK = path.join(ROOT, 'bin/mqleak.js');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '100000' },
    'scale-clients': { type: 'string', default: '6000' },
    'churn-ops': { type: 'string', default: '6000' },
    'leak-scenario': { type: 'string', default: 'mass-connect' },
    agents: { type: 'string', default: '1,2,3,4' },
  },
});
const PARTS = ['scale', 'sessions', 'leak', 'churn'] as const;
const parts = positionals.length > 0 ? positionals : [...PARTS];
for (const part of parts)
  if (!(PARTS as readonly string[]).includes(part)) throw new Error(`unknown part ${part}: one of ${PARTS.join(', ')}`);

/** Bound on one run. */
const RUN_TIMEOUT_MS = 600_000;
/** How often the coordinator's RSS is read. */
const RSS_POLL_MS = 200;
/** The sink's processes: 12,500 sessions each keeps every one well under a 20,000 open-files limit. */
const SINK_SESSIONS_PER_PROCESS = 12_500;
/** The bar for the leak estimate: the split run within 20 % of the single-host one. */
const LEAK_AGREEMENT = 0.2;
const INJECTED_LEAK_BYTES = 16_384;
/** Pure connect-and-release cycles for the rate comparison: no hold, no publishing. */
const RATE_SHAPE = [
  'warmupCycles=2',
  'cycles=3',
  'baselineSeconds=0.5',
  'settleSeconds=0.5',
  'recoverySeconds=0.5',
  'holdSeconds=0',
  'publishRate=0',
  'subscribers=0',
];
/** connect-churn cycles for the churn-rate comparison: no client left to go silent (its keepalive wait is idle time). */
const CHURN_SHAPE = [
  'warmupCycles=2',
  'cycles=3',
  'baselineSeconds=0.5',
  'settleSeconds=0.5',
  'recoverySeconds=0.5',
  'keepaliveExpiryShare=0',
  'concurrency=200',
];
/** connect-churn on the fixture: 1,000 connections a cycle (16 MB a cycle, far above Aedes' floor noise). */
const CHURN_LEAK_SHAPE = [
  'warmupCycles=2',
  'cycles=6',
  'operationsPerCycle=1000',
  'baselineSeconds=0.5',
  'settleSeconds=1',
  'recoverySeconds=1.5',
  'keepaliveExpiryShare=0',
];
const LEAK_SHAPE = [
  'warmupCycles=2',
  'cycles=6',
  'operationsPerCycle=300',
  'baselineSeconds=0.5',
  'settleSeconds=1',
  'recoverySeconds=1.5',
  'holdSeconds=0.5',
  'subscribers=2',
];

const round = (value: number, digits = 0): number => Math.round(value * 10 ** digits) / 10 ** digits;

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

interface Outcome {
  report: RunReport;
  scenario: ScenarioReport;
  code: number | null;
  coordinatorPeakRss: number;
}

/** One `mqleak run SCENARIO`: on this machine alone (agents 0) or over `agents` agents in the namespaces. */
async function run(
  hosts: NetnsHosts | null,
  broker: { url: string; pid: number },
  sets: readonly string[],
  agents: number,
  scenarioName = 'mass-connect',
): Promise<Outcome> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'mqleak-bench-agents-'));
  const token = path.join(out, 'token');
  await writeFile(token, randomBytes(32).toString('hex'), { mode: 0o600 });
  const distributed = agents > 0 && hosts !== null;
  // The single-process run happens in the first namespace too: its connections get that host's own ports,
  // as the agents' do, instead of this machine's (shared with everything else running here).
  const launch = (args: string[]): ChildProcess =>
    distributed || hosts === null
      ? spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
      : hosts.spawnIn(hosts.hosts[0] as NetnsHosts['hosts'][number], process.execPath, args, {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
  const coordinator = launch([
    MQLEAK,
    'run',
    scenarioName,
    '--broker',
    broker.url,
    '--pid',
    String(broker.pid),
    ...sets.flatMap((value) => ['--set', value]),
    ...(distributed ? ['--agents', String(agents), '--listen', `${hosts.hub}:0`, '--token-file', token] : []),
    '--quiet',
    '--no-html',
    '--out',
    out,
  ]);
  let stderr = '';
  coordinator.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => coordinator.once('exit', (code) => resolve(code)));
  let peak = 0;
  const poll = setInterval(() => {
    void rssOf(coordinator.pid as number).then((rss) => (peak = Math.max(peak, rss)));
  }, RSS_POLL_MS);
  const timer = setTimeout(() => coordinator.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const children: ChildProcess[] = [];
  try {
    if (distributed) {
      const deadline = Date.now() + 30_000;
      let listening: string | undefined;
      while (listening === undefined && Date.now() < deadline) {
        listening = /listening for \d+ agents on ws:\/\/([\d.]+:\d+)/.exec(stderr)?.[1];
        if (listening === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (listening === undefined) throw new Error(`the coordinator did not listen: ${stderr}`);
      for (const [k, host] of hosts.hosts.slice(0, agents).entries()) {
        const agent = hosts.spawnIn(
          host,
          process.execPath,
          [MQLEAK, 'agent', '--coordinator', listening, '--token-file', token, '--id', String(k + 1)],
          { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
        );
        children.push(agent);
      }
    }
    const code = await exit;
    await Promise.all(
      children.map((child) =>
        child.exitCode !== null ? null : new Promise((resolve) => child.once('exit', () => resolve(null))),
      ),
    );
    const file = (await readdir(out)).find((name) => name.endsWith('.json'));
    if (file === undefined) throw new Error(`no report (exit ${code}): ${stderr}`);
    const report = await readReportFile(path.join(out, file));
    const scenario = report.scenarios[0];
    if (scenario === undefined) throw new Error(`no scenario in the report (exit ${code}): ${stderr}`);
    return { report, scenario, code, coordinatorPeakRss: peak };
  } finally {
    clearInterval(poll);
    clearTimeout(timer);
    for (const child of [coordinator, ...children])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Sessions per second over whole cycles (connect, release and every round trip between): what coordination costs shows here. */
function cycleFigures(outcome: Outcome): Record<string, unknown> {
  const { scenario } = outcome;
  const loads = scenario.cycles.map((cycle) => cycle.loadEndMs - cycle.startMs);
  const meanLoadMs = loads.reduce((sum, ms) => sum + ms, 0) / Math.max(1, loads.length);
  const clients = scenario.observations?.peakClients?.max ?? 0;
  return {
    exitCode: outcome.code,
    sessionsHeld: clients,
    failures: scenario.failures,
    cycleLoadMs: round(meanLoadMs),
    sessionsPerSecondPerCycle: round(clients / (meanLoadMs / 1000)),
    connectsPerSecond: round(scenario.observations?.connectsPerSecond?.mean ?? 0),
    coordinatorPeakRssBytes: outcome.coordinatorPeakRss,
    agents: (scenario.agents ?? []).map((agent) => ({
      name: agent.name,
      address: agent.address,
      clients: agent.clientsPerCycle,
      processes: agent.processes,
      connectsPerSecond: agent.connectsPerSecond,
      peakRssBytes: agent.selfCheck.peakRssBytes,
      cpuPct: agent.selfCheck.cpuPct,
      selfCheck: agent.selfCheck.status,
    })),
  };
}

async function startSink(host: string, sessions: number): Promise<{ url: string; pid: number; stop: () => void }> {
  const processes = Math.max(2, Math.ceil(sessions / SINK_SESSIONS_PER_PROCESS));
  const child = spawn(
    process.execPath,
    [path.join(HERE, 'connack-sink.mjs'), '--host', host, '--port', '0', '--processes', String(processes)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on port (\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`connack-sink exited (${code})`)));
  });
  return { url: `mqtt://${host}:${port}`, pid: child.pid as number, stop: () => child.kill('SIGTERM') };
}

/** The agents' share-out on one host's worth of cores: 1..4 agents against one local process, same load. */
async function scale(hosts: NetnsHosts): Promise<Record<string, unknown>> {
  const clients = Number(values['scale-clients']);
  const counts = String(values.agents)
    .split(',')
    .map(Number)
    .filter((n) => n >= 1 && n <= hosts.hosts.length);
  const sink = await startSink(hosts.hub, clients);
  try {
    const sets = [...RATE_SHAPE, `clients=${clients}`];
    const local = cycleFigures(await run(hosts, sink, sets, 0));
    const rows: Record<string, unknown>[] = [];
    for (const count of counts) {
      const figures = cycleFigures(await run(hosts, sink, sets, count));
      const base = local.cycleLoadMs as number;
      const overheadMs = (figures.cycleLoadMs as number) - base;
      rows.push({
        agentCount: count,
        ...figures,
        coordinationOverheadMsPerCycle: round(overheadMs),
        coordinationOverheadShare: round(overheadMs / base, 3),
      });
    }
    const three = rows.find((row) => row.agentCount === 3);
    return {
      clients,
      target: sink.url,
      note:
        'overhead: mean cycle load time (begin, fill, release and the round trips) over agents minus the same ' +
        'cycles run by one local process, as a share of it (= the rate lost; negative: the agents were faster). ' +
        'The agents share the same 2 cores, and several processes fill faster than one, so this bounds the ' +
        'coordination cost from above only where it is positive',
      singleProcess: local,
      byAgents: rows,
      overheadTargetMet: three === undefined ? null : (three.coordinationOverheadShare as number) <= 0.05,
    };
  } finally {
    sink.stop();
  }
}

/** Churn rate of connect-churn over whole cycles, its operations split over agents (or all in one process). */
function churnFigures(outcome: Outcome): Record<string, unknown> {
  const { scenario } = outcome;
  const loads = scenario.cycles.map((cycle) => cycle.loadEndMs - cycle.startMs);
  const meanLoadMs = loads.reduce((sum, ms) => sum + ms, 0) / Math.max(1, loads.length);
  const perCycle = scenario.cycles[0]?.operations ?? 0;
  return {
    exitCode: outcome.code,
    connectionsPerCycle: perCycle,
    failures: scenario.failures,
    cycleLoadMs: round(meanLoadMs),
    connectionsPerSecond: round(perCycle / (meanLoadMs / 1000)),
    coordinatorPeakRssBytes: outcome.coordinatorPeakRss,
    agents: (scenario.agents ?? []).map((agent) => ({
      name: agent.name,
      address: agent.address,
      operationsPerCycle: agent.clientsPerCycle,
      operationsPerSecond: agent.connectsPerSecond,
      peakRssBytes: agent.selfCheck.peakRssBytes,
      cpuPct: agent.selfCheck.cpuPct,
      selfCheck: agent.selfCheck.status,
    })),
  };
}

/** connect-churn's cycles split over 1..4 agents against one local process, same connections per cycle. */
async function churn(hosts: NetnsHosts): Promise<Record<string, unknown>> {
  const operations = Number(values['churn-ops']);
  const counts = String(values.agents)
    .split(',')
    .map(Number)
    .filter((n) => n >= 1 && n <= hosts.hosts.length);
  const sink = await startSink(hosts.hub, 1);
  try {
    const sets = [...CHURN_SHAPE, `operationsPerCycle=${operations}`];
    const local = churnFigures(await run(hosts, sink, sets, 0, 'connect-churn'));
    const rows: Record<string, unknown>[] = [];
    for (const count of counts) {
      const figures = churnFigures(await run(hosts, sink, sets, count, 'connect-churn'));
      const base = local.cycleLoadMs as number;
      const overheadMs = (figures.cycleLoadMs as number) - base;
      rows.push({
        agentCount: count,
        ...figures,
        coordinationOverheadMsPerCycle: round(overheadMs),
        coordinationOverheadShare: round(overheadMs / base, 3),
      });
    }
    const three = rows.find((row) => row.agentCount === 3);
    return {
      operationsPerCycle: operations,
      target: sink.url,
      note:
        'overhead: mean cycle load time of connect-churn with each cycle split over agents minus the same cycles ' +
        'run by one local process, as a share of it (negative: the agents were faster). The agents share the ' +
        "same 2 cores as the single process and the sink, so where it is negative it shows only that the split's " +
        'cost is below what several processes gain',
      singleProcess: local,
      byAgents: rows,
      overheadTargetMet: three === undefined ? null : (three.coordinationOverheadShare as number) <= 0.05,
    };
  } finally {
    sink.stop();
  }
}

async function sessions(hosts: NetnsHosts): Promise<Record<string, unknown>> {
  const clients = Number(values.clients);
  const agents = Math.min(4, hosts.hosts.length);
  const sink = await startSink(hosts.hub, clients);
  try {
    const outcome = await run(
      hosts,
      sink,
      [...RATE_SHAPE, `clients=${clients}`, 'concurrency=400', 'cycleTimeoutSeconds=240'],
      agents,
    );
    const figures = cycleFigures(outcome);
    return {
      clientsAsked: clients,
      agents,
      target: sink.url,
      ...figures,
      peakClientsMin: outcome.scenario.observations?.peakClients?.min ?? 0,
      targetMet: (outcome.scenario.observations?.peakClients?.min ?? 0) >= 100_000,
      error: outcome.scenario.error,
    };
  } finally {
    sink.stop();
  }
}

async function leak(hosts: NetnsHosts): Promise<Record<string, unknown>> {
  const estimate = async (agents: number): Promise<Record<string, unknown>> => {
    const fixture = await startFixtureBroker(INJECTED_LEAK_BYTES, ['--host', hosts.hub]);
    try {
      const scenario = String(values['leak-scenario']);
      const outcome = await run(
        hosts,
        { url: `mqtt://${hosts.hub}:${fixture.port}`, pid: fixture.pid },
        scenario === 'connect-churn' ? CHURN_LEAK_SHAPE : LEAK_SHAPE,
        agents,
        scenario,
      );
      const rss = outcome.scenario.metrics.find((metric) => metric.name === 'proc.rss');
      return { agents, verdict: rss?.verdict, bytesPerOp: rss?.bytesPerOp ?? null, ci: rss?.ci ?? null };
    } finally {
      await fixture.stop();
    }
  };
  const single = await estimate(0);
  const split = await estimate(3);
  const a = single.bytesPerOp as number | null;
  const b = split.bytesPerOp as number | null;
  const difference = a === null || b === null ? null : round(Math.abs(b - a) / a, 3);
  return {
    scenario: values['leak-scenario'],
    injectedBytesPerConnection: INJECTED_LEAK_BYTES,
    singleHost: single,
    splitOver3Agents: split,
    relativeDifference: difference,
    targetMet: difference === null ? null : difference <= LEAK_AGREEMENT,
  };
}

const why = netnsUnavailable();
if (why !== null) {
  process.stdout.write(`${JSON.stringify({ skipped: why })}\n`);
} else {
  const hosts = createHosts(4);
  // Each namespace is its own host: give it a full port range (25,000 sessions per agent to one broker port,
  // plus the last cycle's TIME_WAIT). Per-namespace settings: this machine's own stay as they are.
  for (const host of hosts.hosts) {
    for (const setting of ['net.ipv4.ip_local_port_range=1024 65535', 'net.ipv4.tcp_tw_reuse=1'])
      execFileSync('ip', ['netns', 'exec', host.name, 'sysctl', '-q', '-w', setting]);
  }
  const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, node: process.version } };
  try {
    if (parts.includes('scale')) results.scale = await scale(hosts);
    if (parts.includes('sessions')) results.sessions = await sessions(hosts);
    if (parts.includes('leak')) results.leak = await leak(hosts);
    if (parts.includes('churn')) results.churn = await churn(hosts);
  } finally {
    hosts.remove();
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}
