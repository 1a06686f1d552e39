// A private RabbitMQ node from Debian's rabbitmq-server, with its MQTT and Prometheus plugins, for
// integration tests: its own node name, data, logs, config and Erlang cookie in a temporary folder,
// every listener on 127.0.0.1 and a free port, stopped by the PID its pid file names. Only epmd (the
// Erlang port mapper on 4369) is shared with any other Erlang node on the machine: it is started by
// the first node that needs it, outlives the node, and is not ours to stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './brokers.js';

/** Boot on a loaded 2-core machine: ~19 s measured (the Erlang VM, Mnesia, then the plugins); a hang is far beyond. */
const READY_TIMEOUT_MS = 90_000;
/** RabbitMQ stops its applications in order on SIGTERM: a few seconds; after this it is killed. */
const STOP_TIMEOUT_MS = 20_000;
const RABBITMQ_LIB = '/usr/lib/rabbitmq/lib';

export interface TestRabbitMq {
  /** The beam.smp process: the broker mqleak samples. */
  pid: number;
  mqttPort: number;
  url: string;
  /** The rabbitmq_prometheus endpoint (aggregated metrics). */
  prometheusUrl: string;
  /** ms from spawn until both the MQTT and the Prometheus port answered. */
  startupMs: number;
  stop(): Promise<void>;
}

/** Debian installs the server under /usr/lib/rabbitmq/lib/rabbitmq_server-VERSION; null when the package is missing. */
export function rabbitMqServerScript(): string | null {
  if (!existsSync(RABBITMQ_LIB)) return null;
  const folder = readdirSync(RABBITMQ_LIB).find((name) => name.startsWith('rabbitmq_server-'));
  const script = folder === undefined ? null : path.join(RABBITMQ_LIB, folder, 'sbin/rabbitmq-server');
  return script !== null && existsSync(script) ? script : null;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readPid(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export async function startRabbitMq(): Promise<TestRabbitMq> {
  const script = rabbitMqServerScript();
  if (script === null)
    throw new Error('RabbitMQ is not installed: apt-get install rabbitmq-server (.ci/run installs it)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-rabbitmq-'));
  const [amqpPort, mqttPort, prometheusPort, distPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const home = path.join(dir, 'home');
  await mkdir(home);
  await writeFile(path.join(dir, 'enabled_plugins'), '[rabbitmq_mqtt,rabbitmq_prometheus].\n');
  await writeFile(
    path.join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
      `prometheus.tcp.ip = 127.0.0.1`,
      `prometheus.tcp.port = ${prometheusPort}`,
      // mqleak's clients connect anonymously; the MQTT plugin maps them to guest, allowed off loopback too.
      'mqtt.allow_anonymous = true',
      'loopback_users = none',
      '',
    ].join('\n'),
  );
  const pidFile = path.join(dir, 'rabbitmq.pid');
  const started = Date.now();
  const child: ChildProcess = spawn(script, [], {
    cwd: dir,
    stdio: 'ignore',
    env: {
      ...process.env,
      HOME: home, // the Erlang cookie is written here, not into the user's home
      RABBITMQ_NODENAME: `mqleak-${process.pid}-${prometheusPort}@localhost`,
      RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: pidFile,
      RABBITMQ_DIST_PORT: String(distPort),
    },
  });
  let beam: number | null = null;
  const stop = async (): Promise<void> => {
    const pid = beam ?? (await readPid(pidFile));
    if (pid !== null && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      // The start script waits for the VM: once the VM is gone it exits; if not, it is ours to stop.
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = setTimeout(
        () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
        5000,
      );
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = started + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`rabbitmq-server exited with code ${child.exitCode} (logs in ${dir}/log)`);
      if (Date.now() > deadline)
        throw new Error(`RabbitMQ did not open its MQTT and Prometheus ports within ${READY_TIMEOUT_MS} ms`);
      if ((await portAnswers(mqttPort)) && (await portAnswers(prometheusPort))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    beam = await readPid(pidFile);
    if (beam === null) throw new Error(`RabbitMQ wrote no pid file at ${pidFile}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: beam,
    mqttPort,
    url: `mqtt://127.0.0.1:${mqttPort}`,
    prometheusUrl: `http://127.0.0.1:${prometheusPort}/metrics`,
    startupMs: Date.now() - started,
    stop,
  };
}
