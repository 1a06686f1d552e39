// Real brokers for integration tests, each on 127.0.0.1 and a free port, started and stopped by PID.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, writeFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BROKER_ENV, NODE_BROKER_EXEC_ARGV } from '../../src/target/node-broker-runtime.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 20_000;

export interface TestBroker {
  port: number;
  pid: number;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(
    () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
    5000,
  );
  await exited;
  clearTimeout(timer);
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`broker exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`broker did not listen on ${port} within ${READY_TIMEOUT_MS} ms`);
}

/**
 * Debian's Mosquitto with a config written by the test: anonymous access on 127.0.0.1 only. `env`: added to its
 * environment (e.g. LD_PRELOAD).
 */
export async function startMosquitto(extraConfig: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<TestBroker> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-mosquitto-'));
  const config = path.join(dir, 'mosquitto.conf');
  // Mosquitto logs every connection: to a file, never to a pipe nobody drains (it would block the broker).
  const log = path.join(dir, 'mosquitto.log');
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      `log_dest file ${log}`,
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', config], { stdio: 'ignore', env: { ...process.env, ...env } });
  await waitForPort(port, child);
  return {
    port,
    pid: child.pid as number,
    url: `mqtt://127.0.0.1:${port}`,
    child,
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Mosquitto refusing anonymous clients, with one user in a password file (mosquitto_passwd). */
export async function startMosquittoWithPassword(
  user: string,
  password: string,
  extraConfig: string[] = [],
): Promise<TestBroker> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-passwd-'));
  const passwords = path.join(dir, 'passwords');
  execFileSync('mosquitto_passwd', ['-b', '-c', passwords, user, password]);
  // Mosquitto drops to its own user when started as root: it must be able to read the file.
  await chmod(dir, 0o755);
  await chmod(passwords, 0o644);
  const broker = await startMosquitto(['allow_anonymous false', `password_file ${passwords}`, ...extraConfig]);
  return {
    ...broker,
    stop: async () => {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A bare TCP peer on 127.0.0.1 (not a broker) that does `onAccept` with every connection it takes. */
export interface TcpPeer {
  port: number;
  close(): Promise<void>;
}

export async function startTcpPeer(onAccept: (socket: net.Socket) => void): Promise<TcpPeer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onAccept(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How often the fixture collects its garbage: often enough that every floor window (≥ 1 s) sees a collection. */
const FIXTURE_GC_EVERY_MS = 500;

/**
 * The leaky fixture broker (Aedes + a deliberate leak of `leakPerConnection` bytes per TCP connection), run as
 * mqleak runs its embedded broker. `extraArgs`: more fixture flags, e.g. `['--leak-on', 'topic=4096']`.
 */
export async function startFixtureBroker(
  leakPerConnection: number,
  extraArgs: readonly string[] = [],
): Promise<TestBroker> {
  const child = spawn(
    process.execPath,
    [
      ...NODE_BROKER_EXEC_ARGV,
      path.join(REPO_ROOT, 'test/fixtures/leaky-broker.mjs'),
      '--port',
      '0',
      '--leak-per-connection',
      String(leakPerConnection),
      '--gc-every-ms',
      String(FIXTURE_GC_EVERY_MS),
      ...extraArgs,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, ...NODE_BROKER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return fixtureReady(child);
}

/**
 * The fixture broker as an outside garbage-collected broker nobody collects: `node` with its defaults (no
 * --expose-gc, no GC timer, no mqleak runtime settings), with exactly the given fixture flags.
 */
export async function startUncollectedFixtureBroker(fixtureArgs: readonly string[]): Promise<TestBroker> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'test/fixtures/leaky-broker.mjs'), '--port', '0', ...fixtureArgs],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return fixtureReady(child);
}

/** Waits for a fixture broker child to print its port; its stderr is drained so a full pipe cannot block it. */
async function fixtureReady(child: ChildProcess): Promise<TestBroker> {
  child.stderr?.resume(); // drained: a full pipe would block the broker
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('fixture broker did not start')), READY_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on port (\d+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`fixture broker exited with code ${code}`)));
  });
  return { port, pid: child.pid as number, url: `mqtt://127.0.0.1:${port}`, child, stop: () => stopChild(child) };
}
