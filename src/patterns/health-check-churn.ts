import { runOperations } from '../load/run-operations.js';
import { tcpConnectClose, type TcpCloseMode } from '../load/tcp-probe.js';
import { numberParam, stringParam, type PatternDefinition } from './pattern.js';

// RocketMQ's HAConnection leaked threads and objects under high-frequency health checks on its port:
// a connection accepted, then closed before any protocol was spoken. Load balancers and Kubernetes
// TCP probes do exactly this to MQTT ports all day.

const CLOSE_MODES = ['close', 'reset', 'mixed'] as const;

function closeModeFor(mode: string, index: number): TcpCloseMode {
  if (mode === 'mixed') return index % 2 === 0 ? 'close' : 'reset';
  return mode === 'reset' ? 'reset' : 'close';
}

export const healthCheckChurn: PatternDefinition = {
  name: 'health-check-churn',
  summary: 'bare TCP connect, then close; no MQTT',
  operation: 'connection',
  params: {
    closeMode: {
      type: 'string',
      default: 'close',
      enum: CLOSE_MODES,
      description: 'how the probe ends the connection: close (FIN), reset (RST), or mixed (alternating)',
    },
    connectTimeoutMs: { type: 'integer', default: 5000, minimum: 100, maximum: 60000, description: 'give up on one connection after this long' },
  },
  async start(context) {
    const { host, port } = context.broker;
    const mode = stringParam(context.params, 'closeMode');
    const timeoutMs = numberParam(context.params, 'connectTimeoutMs');
    return {
      runCycle: (request) =>
        runOperations(request.operations, request.concurrency, request.deadlineMs, context.signal, (index) =>
          tcpConnectClose(host, port, closeModeFor(mode, index), timeoutMs),
        ).then((tally) => ({ operations: tally.attempted, ...tally })),
      teardown: async () => undefined,
    };
  },
};
