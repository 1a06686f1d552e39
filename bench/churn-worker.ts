// One process of the connect-churn benchmark (bench/scale.ts forks several): MQTT CONNECT → CONNACK →
// DISCONNECT (every other one closed abruptly) for a set time, as fast as the in-flight bound allows.
// CHURN_CLIENT=lean (default) takes connect-churn's own path over plain TCP (ChurnDialer in a callback pool);
// raw takes RawMqttConnection in the pacing engine (what connect-churn used before, kept for comparison).
// Settings come in the environment (an ES module may miss an early IPC message); the tally and the
// process's own CPU time go back over IPC.
import { runCallbackPool } from '../src/load/pacing/callback-pool.js';
import { ChurnDialer } from '../src/load/clients/churn-connection.js';
import { runPaced } from '../src/load/pacing/pacing.js';
import { RawMqttConnection } from '../src/load/clients/raw-mqtt-client.js';
import type { OperationTally } from '../src/load/pacing/run-operations.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`churn-worker: ${name} not set (started by bench/scale.ts)`);
  return value;
};
const host = env('CHURN_HOST');
const port = Number(env('CHURN_PORT'));
const seconds = Number(env('CHURN_SECONDS'));
const inFlight = Number(env('CHURN_IN_FLIGHT'));
const source = process.env.CHURN_SOURCE;
const worker = env('CHURN_WORKER');
const client = process.env.CHURN_CLIENT ?? 'lean';
/** Bound on the count as well as the time: more than any rate reached here for the time given. */
const MAX_OPS_PER_SECOND = 100_000;
const TIMEOUT_MS = 10_000;
const localAddress = source === undefined || source === '' ? {} : { localAddress: source };

process.on('disconnect', () => process.exit(0));
const cpuBefore = process.cpuUsage();
const started = Date.now();
const deadline = started + seconds * 1000;
const signal = new AbortController().signal;
let tally: OperationTally;
if (client === 'raw') {
  tally = await runPaced(seconds * MAX_OPS_PER_SECOND, Infinity, inFlight, deadline, signal, async (index) => {
    const connection = await RawMqttConnection.connect({
      host,
      port,
      ...localAddress,
      clientId: `churn-${worker}-${index}`,
      protocolVersion: 4,
      keepalive: 60,
      clean: true,
      timeoutMs: TIMEOUT_MS,
    });
    if (index % 2 === 0) await connection.disconnect();
    else connection.vanish();
  });
} else {
  const dialer = new ChurnDialer({
    host,
    port,
    ...localAddress,
    protocolVersion: 4,
    keepalive: 60,
    clean: true,
    timeoutMs: TIMEOUT_MS,
  });
  tally = await runCallbackPool(seconds * MAX_OPS_PER_SECOND, inFlight, deadline, signal, (index, done) =>
    dialer.attempt(`churn-${worker}-${index}`, index % 2 === 1, done),
  );
  dialer.close();
}
const elapsedMs = Date.now() - started;
const cpu = process.cpuUsage(cpuBefore);
process.send?.(
  { tally: { ...tally, elapsedMs }, cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system },
  () => process.exit(0),
);
