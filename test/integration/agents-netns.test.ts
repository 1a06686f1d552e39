// mqleak agents on separate hosts: network namespaces the test makes (test/helpers/netns.ts), each with
// its own address, joined to this machine by a veth pair. The broker and the coordinator run on this
// machine; each agent runs in its own namespace, so every agent's connections come from its own address.
// Skipped, with the reason, only where namespaces cannot be made (not root, not Linux).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { STAYED_CONNECTED } from '../../src/patterns/mass-connect.js';
import { readReportFile } from '../../src/report/read-report.js';
import { freePort, REPO_ROOT, startFixtureBroker, startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { createHosts, netnsUnavailable, type NetnsHosts } from '../helpers/netns.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certs.js';

const AGENTS = 3;
/** What one worker process holds here (clientsPerProcess): each agent holds one process's worth. */
const PER_PROCESS = 300;
/** Per connection for mass-connect on the fixture (as scenarios-connections-fixture.test.ts: 16 KB × 300 stands clear of Aedes' noise). */
const INJECTED_MASS_LEAK_BYTES = 16_384;
/** The issue's bar for a leak's size (as fixture-verdicts.test.ts): within 30 % of the injected leak. */
const LEAK_SIZE_TOLERANCE = 0.3;
/** Bound on any one run here; generous: this is not a timer on speed. */
const RUN_TIMEOUT_MS = 240_000;
/**
 * When the agent is killed after all joined: in a measured cycle. The baseline and two warm-up cycles take ~7 s
 * here (each: fill, a 2 s hold, release, settle) and the six measured ones end at ~25 s: 12 s leaves room for a
 * machine half as fast on either side (the checks below say which cycle it was).
 */
const KILL_AFTER_MS = 12_000;
/** When the late agent is started after the first one joined: inside the first scenario's ~10 s (checked). */
const LATE_JOIN_AFTER_MS = 2_500;
const MQLEAK = path.join(REPO_ROOT, 'bin/mqleak.js');
/** Six measured cycles: the fewest the verdict judges. */
const JUDGED_SHAPE = [
  'warmupCycles=2',
  'cycles=6',
  'baselineSeconds=0.5',
  'settleSeconds=1',
  'recoverySeconds=1.5',
  'holdSeconds=0.5',
  'subscribers=2',
];
/** connect-churn split over agents: 1,000 connections a cycle (16 MB a cycle at 16 KB each, far above Aedes' noise). */
const CHURN_SHAPE = [
  'warmupCycles=2',
  'cycles=6',
  'baselineSeconds=0.5',
  'settleSeconds=1',
  'recoverySeconds=1.5',
  'operationsPerCycle=1000',
  // No clients left to go silent: waiting for their keepalive to expire costs seconds a cycle and is not the claim.
  'keepaliveExpiryShare=0',
];
const SHORT_SHAPE = [
  'warmupCycles=2',
  'cycles=3',
  'baselineSeconds=0.5',
  'settleSeconds=0.5',
  'recoverySeconds=0.5',
  'holdSeconds=0.5',
  'subscribers=3',
  'publishRate=200',
];

const unavailable = netnsUnavailable();

interface Proc {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function watch(child: ChildProcess): Proc {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

async function until<T>(probe: () => T | null, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function tokenFile(): Promise<{ file: string; token: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-token-'));
  const token = randomBytes(32).toString('hex');
  const file = path.join(dir, 'token');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { file, token };
}

interface DistributedRun {
  code: number | null;
  report: RunReport | null;
  coordinator: Proc;
  agents: Proc[];
  agentCodes: (number | null)[];
}

/**
 * Runs `mqleak run … --agents N --listen HUB:0` here and one `mqleak agent` in each namespace host.
 * `duringRun` gets the agents once all have joined (to kill one). `agentToken`: a different token file for the agents.
 */
async function distributedRun(
  net: NetnsHosts,
  broker: { url: string; pid: number },
  sets: readonly string[],
  options: {
    agents?: number;
    agentToken?: string;
    wait?: number;
    duringRun?: (agents: Proc[], coordinator: Proc) => Promise<void>;
    /** SIGTERM to the coordinator once every agent has exited (the refused ones): it must still write its report. */
    terminateWhenAgentsExit?: boolean;
    /** The coordinator listens with this certificate (wss://); the agents trust its CA (`--ca`). */
    tls?: TestCertificates;
    /** More flags for the coordinator's `mqleak run`. */
    runArgs?: readonly string[];
    /** The scenarios run (default: mass-connect). */
    scenarios?: readonly string[];
  } = {},
): Promise<DistributedRun> {
  const count = options.agents ?? AGENTS;
  const token = await tokenFile();
  const out = await mkdtemp(path.join(os.tmpdir(), 'mqleak-reports-'));
  const coordinator = watch(
    spawn(
      process.execPath,
      [
        MQLEAK,
        'run',
        ...(options.scenarios ?? ['mass-connect']),
        '--broker',
        broker.url,
        '--pid',
        String(broker.pid),
        ...sets.flatMap((value) => ['--set', value]),
        '--agents',
        String(count),
        '--listen',
        `${net.hub}:0`,
        '--token-file',
        token.file,
        '--agents-wait',
        String(options.wait ?? 60),
        ...(options.tls === undefined
          ? []
          : ['--listen-cert', options.tls.serverCert, '--listen-key', options.tls.serverKey]),
        ...(options.runArgs ?? []),
        '--quiet',
        '--no-html',
        '--out',
        out,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    ),
  );
  const timer = setTimeout(() => coordinator.child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const agents: Proc[] = [];
  try {
    const listening = await until(
      () => /listening for \d+ agents on wss?:\/\/([\d.]+:\d+)/.exec(coordinator.stderr())?.[1] ?? null,
      'the coordinator listens',
    );
    for (const [k, host] of net.hosts.slice(0, count).entries()) {
      agents.push(
        watch(
          net.spawnIn(
            host,
            process.execPath,
            [
              MQLEAK,
              'agent',
              '--coordinator',
              listening,
              '--token-file',
              options.agentToken ?? token.file,
              '--id',
              String(k + 1),
              ...(options.tls === undefined ? [] : ['--ca', options.tls.ca]),
            ],
            { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
          ),
        ),
      );
    }
    if (options.duringRun !== undefined) {
      await until(() => (/all \d+ agents are here/.test(coordinator.stderr()) ? true : null), 'every agent joined');
      await options.duringRun(agents, coordinator);
    }
    if (options.terminateWhenAgentsExit === true) {
      await Promise.all(agents.map((agent) => agent.exit));
      coordinator.child.kill('SIGTERM');
    }
    const code = await coordinator.exit;
    const agentCodes = await Promise.all(agents.map((agent) => agent.exit));
    const files = await readdir(out);
    const file = files.find((name) => name.endsWith('.json'));
    const report = file === undefined ? null : await readReportFile(path.join(out, file));
    return { code, report, coordinator, agents, agentCodes };
  } finally {
    clearTimeout(timer);
    for (const proc of [coordinator, ...agents])
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  }
}

function onlyScenario(run: DistributedRun): ScenarioReport {
  const scenario = run.report?.scenarios[0];
  assert.ok(scenario !== undefined, `a report with the scenario; coordinator: ${run.coordinator.stderr()}`);
  return scenario;
}

function logs(run: DistributedRun): string {
  return [run.coordinator.stderr(), ...run.agents.map((agent) => agent.stderr())].join('\n');
}

describe('mqleak agents on separate hosts (network namespaces)', { skip: unavailable ?? false }, () => {
  let net: NetnsHosts;
  let mosquitto: TestBroker;
  let mosquittoUrl: string;
  before(async () => {
    net = createHosts(AGENTS);
    const port = await freePort();
    // A second listener on the hub: where the namespaces reach this machine.
    mosquitto = await startMosquitto([`listener ${port} ${net.hub}`]);
    mosquittoUrl = `mqtt://${net.hub}:${port}`;
  });
  after(async () => {
    await mosquitto?.stop();
    net?.remove();
  });

  test(`${AGENTS} agents hold ${AGENTS}× what one worker process holds, each from its own host`, async () => {
    const run = await distributedRun(net, { url: mosquittoUrl, pid: mosquitto.pid }, [
      ...SHORT_SHAPE,
      `clients=${AGENTS * PER_PROCESS}`,
      `clientsPerProcess=${PER_PROCESS}`,
    ]);
    assert.ok(run.code !== 3 && run.code !== 4 && run.code !== 64, logs(run));
    const scenario = onlyScenario(run);
    assert.equal(scenario.failures, 0, JSON.stringify(scenario.failureKinds));
    assert.equal(scenario.observations?.peakClients?.min, AGENTS * PER_PROCESS, "every cycle held all agents' clients");
    assert.equal(
      scenario.checks?.[STAYED_CONNECTED]?.status,
      'held',
      'no client id collided (a takeover would drop one)',
    );
    const agents = scenario.agents ?? [];
    assert.equal(agents.length, AGENTS);
    for (const agent of agents) {
      assert.equal(agent.clientsPerCycle, PER_PROCESS, `${agent.name} held one process's worth`);
      assert.equal(agent.processes, 1);
      assert.equal(agent.lost, null);
      assert.ok(Math.abs(agent.share - 1 / AGENTS) < 1e-9);
      assert.ok((agent.connectsPerSecond ?? 0) > 0);
      assert.ok(agent.selfCheck.peakRssBytes > 0);
    }
    assert.deepEqual(
      agents.map((agent) => agent.address).sort(),
      net.hosts.map((host) => host.address).sort(),
      'each agent came from its own host',
    );
    assert.deepEqual(run.agentCodes, [0, 0, 0], 'every agent exits 0 when the run is over');
  });

  test('an agent killed mid-run: its cycle marked, the scenario INCONCLUSIVE naming it, the report kept', async () => {
    const run = await distributedRun(
      net,
      { url: mosquittoUrl, pid: mosquitto.pid },
      [...SHORT_SHAPE, 'cycles=6', 'holdSeconds=2', `clients=${AGENTS * PER_PROCESS}`],
      {
        duringRun: async (agents) => {
          // Past the baseline and the two warm-up cycles (~3 s each: fill, a 2 s hold, release, settle) into a
          // measured one.
          await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS));
          agents[1]?.child.kill('SIGKILL');
        },
      },
    );
    assert.equal(run.code, 2, logs(run));
    assert.equal(run.report?.verdict, 'inconclusive');
    const scenario = onlyScenario(run);
    assert.equal(scenario.verdict, 'inconclusive');
    const lost = scenario.agents?.find((agent) => agent.id === '2');
    assert.ok(
      lost !== undefined && lost.lost !== null && lost.selfCheck.status === 'lost',
      JSON.stringify(scenario.agents),
    );
    const issue = scenario.issues.find((entry) => entry.code === 'agent-lost');
    assert.ok(issue?.detail.includes(`agent ${lost.name}`), JSON.stringify(scenario.issues));
    assert.ok(
      scenario.cycles.some((cycle) => cycle.lostAgent === lost.name),
      'the cycle it was lost in is marked',
    );
    assert.ok(scenario.metrics.length > 0, 'the measured cycles before the loss were judged');
    for (const metric of scenario.metrics) {
      assert.equal(metric.verdict, 'inconclusive');
      assert.match(metric.reason, /agent-lost/);
    }
    assert.deepEqual([run.agentCodes[0], run.agentCodes[2]], [0, 0], 'the other agents finish normally');
    assert.match(run.coordinator.stderr(), new RegExp(`agent ${lost.name.replace(/[.]/g, '\\.')} left`));
  });

  test('an agent with the wrong token is refused, with a line on both sides and neither token printed', async () => {
    const wrong = await tokenFile();
    let coordinatorToken = '';
    const run = await distributedRun(net, { url: mosquittoUrl, pid: mosquitto.pid }, SHORT_SHAPE, {
      agents: 1,
      agentToken: wrong.file,
      terminateWhenAgentsExit: true,
    });
    coordinatorToken = (
      await readFile(
        run.coordinator.child.spawnargs[run.coordinator.child.spawnargs.indexOf('--token-file') + 1] as string,
        'utf8',
      )
    ).trim();
    assert.equal(run.agentCodes[0], 64, run.agents[0]?.stderr());
    assert.match(run.agents[0]?.stderr() ?? '', /refused by the coordinator at ws:\/\/[\d.:]+: wrong token/);
    assert.match(
      run.coordinator.stderr(),
      new RegExp(`refused an agent from ${net.hosts[0]?.address.replace(/\./g, '\\.')} .*: wrong token`),
    );
    assert.equal(run.code, 4, 'no agent came: mqleak could not run its load');
    assert.match(run.report?.error?.message ?? '', /0 of 1 agents connected .* before the run was stopped/);
    assert.equal(run.report?.interrupted, true, 'SIGTERM ended the run and the report was still written');
    for (const secret of [wrong.token, coordinatorToken])
      assert.ok(!logs(run).includes(secret), 'no token in any output');
  });

  test('over TLS: the coordinator listens with --listen-cert/--listen-key, the agent trusts it with --ca', async () => {
    const certs = await makeTestCertificates([net.hub]);
    try {
      let untrusting: { code: number | null; stderr: string } | null = null;
      // One agent holding one process's worth: the claim is about the agents' channel, not the load's size.
      const sets = [...SHORT_SHAPE, `clients=${PER_PROCESS}`, `clientsPerProcess=${PER_PROCESS}`];
      const run = await distributedRun(net, { url: mosquittoUrl, pid: mosquitto.pid }, sets, {
        agents: 1,
        tls: certs,
        duringRun: async (_agents, coordinator) => {
          // An agent that does not trust the coordinator's CA (--tls, no --ca) never gets to the token.
          const address = /listening for \d+ agents on wss:\/\/([\d.]+:\d+)/.exec(coordinator.stderr())?.[1] ?? '';
          const host = net.hosts[1];
          assert.ok(host !== undefined);
          const agent = watch(
            net.spawnIn(
              host,
              process.execPath,
              [MQLEAK, 'agent', '--coordinator', address, '--tls', '--id', 'untrusting', '--wait', '1'],
              {
                cwd: REPO_ROOT,
                stdio: ['ignore', 'pipe', 'pipe'],
                env: { ...process.env, MQLEAK_TOKEN: 'x'.repeat(32) },
              },
            ),
          );
          untrusting = { code: await agent.exit, stderr: agent.stderr() };
        },
      });
      assert.match(run.coordinator.stderr(), /listening for 1 agents on wss:\/\//, logs(run));
      assert.ok(run.code !== 3 && run.code !== 4 && run.code !== 64, logs(run));
      const scenario = onlyScenario(run);
      assert.equal(scenario.failures, 0, JSON.stringify(scenario.failureKinds));
      assert.equal(scenario.agents?.length, 1);
      assert.equal(scenario.agents?.[0]?.lost, null);
      assert.equal(scenario.agents?.[0]?.clientsPerCycle, PER_PROCESS);
      assert.equal(scenario.observations?.peakClients?.min, PER_PROCESS, "every cycle held the agent's clients");
      assert.deepEqual(run.agentCodes, [0], 'the agent that trusts the CA ran its share and exits 0');
      const refused = untrusting as { code: number | null; stderr: string } | null;
      assert.ok(refused !== null);
      assert.equal(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, /cannot reach the coordinator at wss:\/\/.*(certificate|self-signed|self signed)/i);
    } finally {
      await certs.remove();
    }
  });

  test('an agent that joins while a scenario runs waits for the next scenario', async () => {
    // Two scenarios of connect-churn (the second from a file, under another name) with --agents 1: the first
    // takes agent 1; agent 2 joins during it and must be left alone until the second scenario takes it.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-late-'));
    const second = path.join(dir, 'churn-again.yaml');
    await writeFile(second, 'name: churn-again\ndescription: connect-churn once more\npattern: connect-churn\n');
    let joinedAt = 0;
    const run = await distributedRun(
      net,
      { url: mosquittoUrl, pid: mosquitto.pid },
      [...CHURN_SHAPE, 'cycles=3', 'operationsPerCycle=500', 'settleSeconds=0.5', 'recoverySeconds=0.5'],
      {
        agents: 1,
        scenarios: ['connect-churn', second],
        duringRun: async (agents, coordinator) => {
          // Past the first scenario's 0.5 s baseline, into its cycles (it runs ~10 s; the report's phases check it).
          await new Promise((resolve) => setTimeout(resolve, LATE_JOIN_AFTER_MS));
          const address = /listening for \d+ agents on ws:\/\/([\d.]+:\d+)/.exec(coordinator.stderr())?.[1] ?? '';
          const token = coordinator.child.spawnargs[coordinator.child.spawnargs.indexOf('--token-file') + 1] as string;
          const host = net.hosts[1];
          assert.ok(host !== undefined);
          agents.push(
            watch(
              net.spawnIn(
                host,
                process.execPath,
                [MQLEAK, 'agent', '--coordinator', address, '--token-file', token, '--id', 'late'],
                { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
              ),
            ),
          );
          await until(() => (/agent late@\S+ joined/.test(coordinator.stderr()) ? true : null), 'the late agent joins');
          joinedAt = Date.now();
        },
      },
    );
    assert.ok(run.code !== 3 && run.code !== 4 && run.code !== 64, logs(run));
    const [first, then] = run.report?.scenarios ?? [];
    assert.ok(first !== undefined && then !== undefined, logs(run));
    const runStart = Date.parse(run.report?.startedAt ?? '');
    const firstStart = runStart + (first.phases[0]?.startMs ?? Number.NaN);
    const firstEnd = runStart + (first.phases.at(-1)?.endMs ?? Number.NaN);
    assert.ok(
      firstStart < joinedAt && joinedAt < firstEnd,
      `the late agent joined while the first scenario ran (${firstStart} < ${joinedAt} < ${firstEnd})`,
    );
    assert.deepEqual(
      first.agents?.map((agent) => agent.id),
      ['1'],
      'the first scenario ran on the agent it started with',
    );
    assert.deepEqual(
      then.agents?.map((agent) => agent.id),
      ['late'],
      'the late agent ran the next scenario',
    );
    assert.equal(then.agents?.[0]?.address, net.hosts[1]?.address);
    for (const scenario of [first, then]) {
      assert.equal(scenario.failures, 0, JSON.stringify(scenario.failureKinds));
      assert.equal(
        scenario.agents?.[0]?.operations,
        scenario.cycles.reduce((sum, cycle) => sum + cycle.operations, 0),
      );
    }
    assert.deepEqual(run.agentCodes, [0, 0], 'both agents exit 0 when the run is over');
  });
});

describe('a leak measured with the load split over agents (network namespaces)', { skip: unavailable ?? false }, () => {
  let net: NetnsHosts;
  let fixture: TestBroker;
  let url: string;
  before(async () => {
    net = createHosts(AGENTS);
    fixture = await startFixtureBroker(INJECTED_MASS_LEAK_BYTES, ['--host', net.hub]);
    url = `mqtt://${net.hub}:${fixture.port}`;
  });
  after(async () => {
    await fixture?.stop();
    net?.remove();
  });

  const leakTitle = `fixture leaking ${INJECTED_MASS_LEAK_BYTES} B/connection, 300 clients over ${AGENTS} agents`;
  test(`${leakTitle}: LEAK at that size`, async () => {
    // The fixture collects on SIGUSR2: every floor is post-GC, so the verdict decides in few cycles.
    const run = await distributedRun(net, { url, pid: fixture.pid }, [...JUDGED_SHAPE, 'operationsPerCycle=300'], {
      runArgs: ['--gc-cmd', 'kill -USR2 {pid}'],
    });
    assert.equal(run.code, 1, logs(run));
    const scenario = onlyScenario(run);
    const rss = scenario.metrics.find((metric) => metric.name === 'proc.rss');
    assert.ok(rss !== undefined && rss.bytesPerOp !== null, JSON.stringify(scenario.metrics));
    assert.equal(rss.verdict, 'leak', rss.reason);
    // Never less than the leak (less than 70 % of it would mean the split lost operations or floors). Above it:
    // Aedes' own per-connection memory under held, publishing clients; the same run on one host measured
    // 20,958 B/op and split over 3 agents 21,784 (bench/agents.ts leak), so no upper bound is asserted here.
    assert.ok(
      rss.bytesPerOp >= (1 - LEAK_SIZE_TOLERANCE) * INJECTED_MASS_LEAK_BYTES,
      `${rss.bytesPerOp} B/op vs ${INJECTED_MASS_LEAK_BYTES} injected`,
    );
    assert.equal(scenario.agents?.length, AGENTS);
    assert.equal(scenario.observations?.peakClients?.max, 300);
  });

  const churnTitle = `connect-churn over ${AGENTS} agents, fixture leaking ${INJECTED_MASS_LEAK_BYTES} B/connection`;
  test(`${churnTitle}: LEAK at that size`, async () => {
    const run = await distributedRun(net, { url, pid: fixture.pid }, CHURN_SHAPE, {
      scenarios: ['connect-churn'],
      runArgs: ['--gc-cmd', 'kill -USR2 {pid}'],
    });
    assert.equal(run.code, 1, logs(run));
    const scenario = onlyScenario(run);
    assert.equal(scenario.failures, 0, JSON.stringify(scenario.failureKinds));
    for (const name of ['proc.rss', 'proc.rssAnon']) {
      const metric = scenario.metrics.find((entry) => entry.name === name);
      assert.ok(metric !== undefined && metric.bytesPerOp !== null, JSON.stringify(scenario.metrics));
      assert.equal(metric.verdict, 'leak', metric.reason);
      // The fixture's leak per connection, as fixture-verdicts.test.ts asks of connect-churn on one host.
      assert.ok(
        Math.abs(metric.bytesPerOp - INJECTED_MASS_LEAK_BYTES) <= LEAK_SIZE_TOLERANCE * INJECTED_MASS_LEAK_BYTES,
        `${name} ${metric.bytesPerOp} B/op vs ${INJECTED_MASS_LEAK_BYTES} injected`,
      );
    }
    // Every cycle's 1,000 connections were made, a third by each agent, each from its own host.
    const perCycle = Number(CHURN_SHAPE.find((entry) => entry.startsWith('operationsPerCycle='))?.split('=')[1]);
    for (const cycle of scenario.cycles) assert.equal(cycle.operations, perCycle);
    const agents = scenario.agents ?? [];
    assert.equal(agents.length, AGENTS);
    assert.deepEqual(
      agents.map((agent) => agent.clientsPerCycle).sort(),
      [333, 333, 334],
      'an equal share of every cycle each',
    );
    assert.equal(
      agents.reduce((sum, agent) => sum + agent.operations, 0),
      scenario.cycles.reduce((sum, cycle) => sum + cycle.operations, 0),
      "the scenario's operations are the agents' summed",
    );
    assert.deepEqual(
      agents.map((agent) => agent.address).sort(),
      net.hosts.map((host) => host.address).sort(),
      'each agent churned from its own host',
    );
    for (const agent of agents) assert.ok((agent.connectsPerSecond ?? 0) > 0 && agent.lost === null);
    assert.deepEqual(run.agentCodes, [0, 0, 0]);
  });
});

if (unavailable !== null)
  test(`agents on separate hosts: skipped, ${unavailable}`, { skip: unavailable }, () => undefined);
