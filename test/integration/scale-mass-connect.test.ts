// mass-connect spread over load processes against a real Mosquitto: with a small per-process cap (250)
// a crowd of 400 clients takes two worker processes, so the multi-process path (fork, IPC, counts added
// up by the coordinator, source addresses) runs without needing 20,000 fds. And the workers die with mqleak:
// killed with SIGKILL mid-hold, no worker process is left holding connections on the broker.
// Short runs: not judged here (too few cycles for a verdict).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { STAYED_CONNECTED, SUBSCRIBED } from '../../src/patterns/mass-connect.js';
import { REPO_ROOT, startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const CLIENTS = 400;
const PER_PROCESS = 250;
const WORKERS = Math.ceil(CLIENTS / PER_PROCESS);
const SHAPE = [
  `clients=${CLIENTS}`,
  `clientsPerProcess=${PER_PROCESS}`,
  'warmupCycles=2',
  'cycles=3',
  'baselineSeconds=0.5',
  'settleSeconds=0.5',
  'recoverySeconds=0.5',
  'holdSeconds=0.5',
  'publishRate=200',
  'subscribers=3',
].flatMap((setting) => ['--set', setting]);
/** Connects per second no 2-core machine reaches (Mosquitto takes about 10k/s at most here). */
const UNREACHABLE_RATE = 1_000_000;
/** Bound on waiting for the workers to appear and to go: generous, this is not a timer on speed. */
const WAIT_MS = 30_000;

/** PIDs of the load worker processes whose parent is `parent`, from /proc. */
async function workersOf(parent: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(path.join('/proc', entry, 'status'), 'utf8');
      const cmdline = await readFile(path.join('/proc', entry, 'cmdline'), 'utf8');
      if (Number(/PPid:\s+(\d+)/.exec(status)?.[1]) === parent && cmdline.includes('load-worker-main'))
        pids.push(Number(entry));
    } catch {
      // a process that ended while we looked
    }
  }
  return pids;
}

/** Still running: a zombie (exited, not yet reaped by whoever adopted it) holds no sockets and counts as gone. */
async function running(pid: number): Promise<boolean> {
  try {
    return !/^State:\s+Z/m.test(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function until<T>(probe: () => Promise<T | null>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${WAIT_MS} ms`);
}

describe('mass-connect over several load processes, against Mosquitto', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker?.stop();
  });

  test(
    `${CLIENTS} clients held at once from ${WORKERS} processes of at most ${PER_PROCESS}: ` +
      `peakClients counts them all`,
    async () => {
      // A connect rate no machine holds: the pacing engine must say, in the report, that it was not held and why.
      const { code, report, stderr } = await runCli([
        'run',
        'mass-connect',
        '--broker',
        broker.url,
        '--pid',
        String(broker.pid),
        ...SHAPE,
        '--set',
        `connectRate=${UNREACHABLE_RATE}`,
        '--quiet',
      ]);
      assert.ok(report !== null, stderr);
      assert.notEqual(code, 3, stderr);
      assert.notEqual(code, 4, stderr);
      const scenario = report.scenarios[0];
      assert.ok(scenario !== undefined);
      assert.equal(scenario.failures, 0, JSON.stringify(scenario.failureKinds));
      const peak = scenario.observations?.peakClients;
      assert.ok(peak !== undefined, 'peakClients recorded');
      assert.equal(peak.min, CLIENTS, "every cycle held the whole crowd, more than one process's share");
      assert.ok(peak.min > PER_PROCESS);
      assert.equal(scenario.observations?.loadProcesses?.min, WORKERS);
      assert.equal(scenario.checks?.[STAYED_CONNECTED]?.status, 'held');
      assert.equal(scenario.checks?.[SUBSCRIBED]?.status, 'held');
      assert.ok(
        (scenario.observations?.deliveredPerCycle?.min ?? 0) > 0,
        "messages went through the broker from the workers' clients",
      );
      const rateCycles = Object.values(scenario.answers?.connectRate ?? {}).reduce((sum, n) => sum + n, 0);
      assert.equal(rateCycles, scenario.cycles.length, 'every cycle says whether its connect rate held');
      assert.equal(scenario.answers?.connectRate?.held, undefined);
      assert.ok(
        scenario.observations?.brokerCpuPct !== undefined && scenario.observations.generatorCpuPct !== undefined,
        "both sides' CPU measured",
      );
      assert.ok(
        scenario.limits?.some((limit) =>
          limit.startsWith(
            `the connect rate of ${UNREACHABLE_RATE.toLocaleString('en-US')}/s (connectRate) ` +
              `not held in ${rateCycles} of ${rateCycles} cycles`,
          ),
        ),
        JSON.stringify(scenario.limits),
      );
    },
  );

  test('killed with SIGKILL mid-hold, mqleak leaves no load process behind', async () => {
    const cli = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/mqleak.js'),
        'run',
        'mass-connect',
        '--broker',
        broker.url,
        '--pid',
        String(broker.pid),
        ...SHAPE,
        '--set',
        'holdSeconds=60',
        '--quiet',
        '--no-html',
        '--out',
        await mkdtemp(path.join(os.tmpdir(), 'mqleak-reports-')),
      ],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const pid = cli.pid as number;
    try {
      const workers = await until(async () => {
        const found = await workersOf(pid);
        return found.length === WORKERS ? found : null;
      }, `${WORKERS} load processes started`);
      cli.kill('SIGKILL');
      await until(
        async () => ((await Promise.all(workers.map(running))).some(Boolean) ? null : true),
        'every load process gone after mqleak was killed',
      );
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
    }
  });
});
