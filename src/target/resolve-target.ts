import { targetError, usageError } from '../core/errors.js';
import { spawnOwned } from '../core/owned-processes.js';
import { isLoopbackHost, parseBrokerUrl, type BrokerAddress, type TlsSettings } from '../net/broker-address.js';
import { ChildBroker } from './child-broker.js';
import { findListeningPids, parentPid, processExists } from './find-listener.js';
import { runGcCommand } from './gc-command.js';
import { launchEmbeddedBroker } from './launch-embedded.js';
import { checkTcpReachable, waitForTcp } from './net-check.js';
import type { Target } from './target.js';
import { checkTransport } from './transport-check.js';

export interface TargetOptions {
  /** `--broker URL`; absent: the embedded broker (or 127.0.0.1:1883 with --pid/--spawn). */
  broker?: string;
  pid?: number;
  spawn?: string;
  /** `--gc-cmd`: run before each floor, `{pid}` filled in. */
  gcCommand?: string;
  /** How long a spawned broker gets to start listening. */
  startTimeoutMs?: number;
  /** `--ca`, `--cert`, `--key`, `--insecure`, `--servername` (read): for mqtts:// and wss:// URLs. */
  tls?: TlsSettings;
  /** Shell assignments put before `exec CMD` of --spawn (e.g. LD_PRELOAD for heaptrack): only the broker gets them. */
  spawnAssignments?: string;
  /**
   * No process to watch (`--no-proc`, or a broker on another host judged by its probes): decided by prepareRun
   * (src/run/no-process.ts).
   */
  noProc?: boolean;
}

const DEFAULT_LOCAL_BROKER = 'mqtt://127.0.0.1:1883';
const DEFAULT_START_TIMEOUT_MS = 15_000;
const REACHABLE_TIMEOUT_MS = 3000;
const NO_OUTPUT = (): string[] => [];

/** The broker process to watch, and the transport checked once (a TLS handshake, a WebSocket upgrade) and recorded. */
export async function resolveTarget(options: TargetOptions): Promise<Target> {
  const tls = options.tls;
  if (
    options.broker === undefined &&
    tls !== undefined &&
    (tls.ca !== undefined || tls.cert !== undefined || tls.insecure || tls.servername !== undefined)
  ) {
    throw usageError(
      'TLS options (--ca, --cert, --key, --insecure, --servername) without --broker',
      "give the broker's TLS URL, e.g. --broker mqtts://127.0.0.1:8883 or wss://127.0.0.1:8084/mqtt",
    );
  }
  const target = await resolveTargetProcess(options);
  try {
    return { ...target, transport: await checkTransport(target.address) };
  } catch (error) {
    await target.stop().catch(() => undefined);
    throw error;
  }
}

async function resolveTargetProcess(options: TargetOptions): Promise<Target> {
  if (options.pid !== undefined && options.spawn !== undefined) {
    throw usageError('--pid and --spawn both name the broker process', 'pass one of them');
  }
  if (options.spawn !== undefined) return spawnTarget(options.spawn, options);
  if (options.broker === undefined && options.pid === undefined)
    return withGcCommand(await launchEmbeddedBroker(), options.gcCommand);

  const address = parseBrokerUrl(options.broker ?? DEFAULT_LOCAL_BROKER, options.tls);
  if (options.noProc === true) {
    await requireReachable(address);
    return externalTarget(
      address,
      null,
      'no-process',
      `broker at ${address.url} (no process watched: judged by its probes)`,
      options.gcCommand,
    );
  }
  if (options.pid !== undefined) {
    if (!(await processExists(options.pid))) {
      throw usageError(
        `--pid ${options.pid}: no such process`,
        'pass the PID of the running broker (e.g. from `pgrep mosquitto`)',
      );
    }
    await requireReachable(address);
    return externalTarget(
      address,
      options.pid,
      'pid',
      `broker at ${address.url} (pid ${options.pid})`,
      options.gcCommand,
    );
  }
  await requireReachable(address);
  const pid = await findBrokerPid(address);
  return externalTarget(
    address,
    pid,
    'found-by-port',
    `broker at ${address.url} (pid ${pid}, listening on the port)`,
    options.gcCommand,
  );
}

async function requireReachable(address: BrokerAddress): Promise<void> {
  const reach = await checkTcpReachable(address, REACHABLE_TIMEOUT_MS);
  if (!reach.ok) {
    throw targetError(
      `broker ${address.url} is unreachable (${reach.reason})`,
      'start the broker first, check the host and port, or pass --spawn "CMD" to let mqleak start it',
    );
  }
}

async function findBrokerPid(address: BrokerAddress): Promise<number> {
  const hint =
    'pass --pid N (the broker\'s process id), --spawn "CMD" (mqleak starts the broker), or ' +
    '--no-proc with a --probe that reads it from outside (sys, http, cgroup, cmd)';
  if (!isLoopbackHost(address.host)) {
    throw usageError(`cannot see the process of ${address.url}: it is not on this machine`, hint);
  }
  const pids = await findListeningPids(address.port);
  if (pids.length === 0) {
    throw usageError(
      `cannot see which process listens on port ${address.port} (another user's, or in a container)`,
      hint,
    );
  }
  if (pids.length > 1) {
    throw usageError(
      `several processes listen on port ${address.port} (pids ${pids.join(', ')})`,
      'pass --pid N to choose one',
    );
  }
  return pids[0] as number;
}

function externalTarget(
  address: BrokerAddress,
  pid: number | null,
  kind: Target['kind'],
  description: string,
  gcCommand?: string,
): Target {
  return withGcCommand(
    {
      kind,
      address,
      pid,
      description,
      command: null,
      canForceGc: false,
      forceGc: async () => false,
      outputTail: NO_OUTPUT,
      exitReason: () => null,
      stop: async () => undefined,
    },
    gcCommand,
  );
}

function withGcCommand(target: Target, gcCommand: string | undefined): Target {
  if (gcCommand === undefined) return target;
  return { ...target, canForceGc: true, forceGc: () => runGcCommand(gcCommand, target.pid) };
}

async function spawnTarget(command: string, options: TargetOptions): Promise<Target> {
  const address = parseBrokerUrl(options.broker ?? DEFAULT_LOCAL_BROKER, options.tls);
  if (!isLoopbackHost(address.host)) {
    throw usageError(
      `--spawn starts the broker on this machine, but --broker ${address.url} is not a loopback address`,
      'use --broker mqtt://127.0.0.1:PORT with --spawn',
    );
  }
  if ((await checkTcpReachable(address, REACHABLE_TIMEOUT_MS)).ok) {
    const holders = await findListeningPids(address.port);
    throw usageError(
      `port ${address.port} is already in ` +
        `use${holders.length > 0 ? ` by pid ${holders.join(', ')}` : ''}: --spawn would ` +
        `measure the wrong process`,
      'stop that process, or point --spawn and --broker at a free port',
    );
  }
  // `exec` makes the broker replace the shell, so the PID mqleak holds is the broker's own. Owned: its own
  // process group with a watchdog, so it cannot outlive mqleak (src/core/owned-processes.ts).
  const assignments = options.spawnAssignments === undefined ? '' : `${options.spawnAssignments} `;
  const child = spawnOwned('/bin/sh', ['-c', `${assignments}exec ${command}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const broker = new ChildBroker(child);
  const listening = await waitForTcp(
    address,
    options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    () => broker.exitReason() === null,
  );
  if (!listening || child.pid === undefined) {
    await broker.stop();
    const tail = broker.tail.snapshot().slice(-3).join(' | ');
    throw targetError(
      `--spawn "${command}": ` +
        `${broker.exitReason() ?? `did not listen on port ${address.port}`}${tail === '' ? '' : `: ${tail}`}`,
      `check the command runs by itself and listens on ${address.host}:${address.port} (or ` +
        `pass --broker with its port)`,
    );
  }
  const pid = (await spawnedListener(child.pid, address.port)) ?? child.pid;
  return withGcCommand(
    {
      kind: 'spawned',
      address,
      pid,
      description: `spawned broker at ${address.url} (pid ${pid})`,
      command,
      canForceGc: false,
      forceGc: async () => false,
      outputTail: () => broker.tail.snapshot(),
      exitReason: () => broker.exitReason(),
      stop: () => broker.stop(),
    },
    options.gcCommand,
  );
}

/** The listener on the port if it is the spawned process or one of its descendants (a wrapper script). */
async function spawnedListener(spawnedPid: number, port: number): Promise<number | null> {
  for (const pid of await findListeningPids(port)) {
    for (let ancestor: number | null = pid, hops = 0; ancestor !== null && ancestor > 1 && hops < 16; hops++) {
      if (ancestor === spawnedPid) return pid;
      ancestor = await parentPid(ancestor);
    }
  }
  return null;
}
