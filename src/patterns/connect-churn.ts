import { RawMqttConnection, type ProtocolVersion } from '../load/raw-mqtt-client.js';
import { runOperations } from '../load/run-operations.js';
import { numberParam, type PatternDefinition } from './pattern.js';

// Clients that connect and go away again, half of them politely (DISCONNECT) and half abruptly (the Go
// clients of the seeds that vanish without DISCONNECT): a session's resources must be freed on both ways out.

/** Deterministic spread of abrupt closes: operation i is abrupt when the running share crosses an integer. */
export function isAbrupt(index: number, abruptShare: number): boolean {
  return Math.floor((index + 1) * abruptShare) > Math.floor(index * abruptShare);
}

export const connectChurn: PatternDefinition = {
  name: 'connect-churn',
  summary: 'MQTT CONNECT → CONNACK → close, half with DISCONNECT, half abrupt',
  operation: 'connection',
  params: {
    abruptShare: { type: 'number', default: 0.5, minimum: 0, maximum: 1, description: 'share of connections closed without DISCONNECT' },
    protocolVersion: { type: 'integer', default: 4, minimum: 4, maximum: 5, description: 'MQTT protocol level: 4 (3.1.1) or 5' },
    keepalive: { type: 'integer', default: 30, minimum: 0, maximum: 65535, description: 'keepalive seconds sent in CONNECT' },
    connectTimeoutMs: { type: 'integer', default: 5000, minimum: 100, maximum: 60000, description: 'give up on one connection (to CONNACK) after this long' },
  },
  async start(context) {
    const { host, port } = context.broker;
    const abruptShare = numberParam(context.params, 'abruptShare');
    const protocolVersion = numberParam(context.params, 'protocolVersion') as ProtocolVersion;
    const keepalive = numberParam(context.params, 'keepalive');
    const timeoutMs = numberParam(context.params, 'connectTimeoutMs');
    let clients = 0;
    return {
      runCycle: (request) =>
        runOperations(request.operations, request.concurrency, request.deadlineMs, context.signal, async (index) => {
          const connection = await RawMqttConnection.connect({
            host,
            port,
            clientId: `mqleak-${context.runToken}-${clients++}`,
            protocolVersion,
            keepalive,
            clean: true,
            timeoutMs,
          });
          if (isAbrupt(index, abruptShare)) connection.vanish();
          else await connection.disconnect();
        }).then((tally) => ({ operations: tally.attempted, ...tally })),
      teardown: async () => undefined,
    };
  },
};
