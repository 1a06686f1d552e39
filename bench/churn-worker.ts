// One process of the connect-churn benchmark (bench/scale.ts forks several): MQTT CONNECT → CONNACK →
// DISCONNECT (every other one closed abruptly) on the raw client, paced by the pacing engine, for a set
// time. Settings come in the environment (an ES module may miss an early IPC message); the tally and the
// process's own CPU time go back over IPC.
import { RawMqttConnection } from '../src/load/raw-mqtt-client.js';
import { runPaced } from '../src/load/pacing.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`churn-worker: ${name} not set (started by bench/scale.ts)`);
  return value;
};
const host = env('CHURN_HOST');
const port = Number(env('CHURN_PORT'));
const seconds = Number(env('CHURN_SECONDS'));
const rate = Number(env('CHURN_RATE'));
const inFlight = Number(env('CHURN_IN_FLIGHT'));
const source = process.env.CHURN_SOURCE;
const worker = env('CHURN_WORKER');
/** Bound on the count as well as the time: more than any rate reached here for the time given. */
const MAX_OPS_PER_SECOND = 100_000;

process.on('disconnect', () => process.exit(0));
const cpuBefore = process.cpuUsage();
const tally = await runPaced(seconds * MAX_OPS_PER_SECOND, rate, inFlight, Date.now() + seconds * 1000, new AbortController().signal, async (index) => {
  const connection = await RawMqttConnection.connect({
    host,
    port,
    ...(source === undefined || source === '' ? {} : { localAddress: source }),
    clientId: `churn-${worker}-${index}`,
    protocolVersion: 4,
    keepalive: 60,
    clean: true,
    timeoutMs: 10_000,
  });
  if (index % 2 === 0) await connection.disconnect();
  else connection.vanish();
});
const cpu = process.cpuUsage(cpuBefore);
process.send?.({ tally, cpuUs: cpu.user + cpu.system }, () => process.exit(0));
