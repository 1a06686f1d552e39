import { runOperations, sumTallies, type OperationTally } from '../load/pacing/run-operations.js';
import { tcpConnectClose, tcpHold } from '../load/checks/tcp-check.js';
import type { PatternDefinition, VariantCase, VariantSpace } from './pattern.js';
import { cycleFamily } from './shared/rotation.js';
import { numberParam, stringParam, type Params } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { WEBSOCKET_PARAMS, webSocketChecks } from './shared/websocket-checks.js';

// RocketMQ's HAConnection leaked threads and objects under high-frequency health checks on its port:
// a connection accepted, then closed before any protocol was spoken. Load balancers and Kubernetes
// TCP probes do exactly this to MQTT ports all day, and so do HTTP checks and TLS clients pointed at
// the plain port by mistake. The broker's side of each: accept, wait for CONNECT, give up.

const WAYS_OUT = ['close', 'reset', 'garbage', 'silent'] as const;
type WayOut = (typeof WAYS_OUT)[number];
const CLOSE_MODES = [...WAYS_OUT, 'mixed'] as const;

/** What non-MQTT clients send to an MQTT port: an HTTP health check, a TLS handshake, a zeroed buffer. */
export const GARBAGE: ReadonlyArray<{ name: string; bytes: Buffer }> = [
  {
    name: 'http-get',
    bytes: Buffer.from('GET /healthz HTTP/1.1\r\nHost: mqtt\r\nUser-Agent: kube-probe/1.29\r\n\r\n'),
  },
  // A minimal TLS 1.2 ClientHello (zero random, one suite, no extensions): a TLS client on the plain port.
  { name: 'tls-client-hello', bytes: Buffer.from(`160301002d010000290303${'00'.repeat(32)}000002002f0100`, 'hex') },
  { name: 'zero-bytes', bytes: Buffer.alloc(16) },
];

export function wayOutFor(mode: string, index: number): WayOut {
  if (mode === 'mixed') return WAYS_OUT[index % WAYS_OUT.length] as WayOut;
  return (WAYS_OUT as readonly string[]).includes(mode) ? (mode as WayOut) : 'close';
}

function garbageFor(mode: string, index: number, kind = 'all'): { name: string; bytes: Buffer } {
  const turn = mode === 'mixed' ? Math.floor(index / WAYS_OUT.length) : index;
  const kinds = kind === 'all' ? GARBAGE : GARBAGE.filter((entry) => entry.name === kind);
  return (kinds.length === 0 ? GARBAGE : kinds)[turn % Math.max(1, kinds.length)] as { name: string; bytes: Buffer };
}

const WAY_OUT_WORDS: Record<WayOut, string> = {
  close: 'a TCP connection opened and closed (FIN) before any MQTT byte',
  reset: 'a TCP connection opened and reset (RST) before any MQTT byte',
  garbage: 'a TCP connection that sends non-MQTT bytes and waits for the broker to close it',
  silent: 'a TCP connection that sends nothing until the broker times it out',
};
/** MQTT 3.1.1 3.1 [MQTT-3.1.0-1] / MQTT 5.0 3.1: the first packet must be CONNECT; 4.8: otherwise close. */
const FIRST_PACKET_RULE = 'MQTT 3.1.1 3.1 [MQTT-3.1.0-1], MQTT 5.0 3.1: the first packet from a client must be CONNECT';

/** One family per way out when `closeMode` is mixed; garbage has one case per payload, the others one each. */
export const HEALTH_CHECK_VARIANT_SPACE: VariantSpace = {
  families: (params) => {
    const mode = stringParam(params, 'closeMode');
    return mode === 'mixed' ? [...WAYS_OUT] : [mode];
  },
  cases(_params, family): VariantCase[] {
    if (family === 'garbage') {
      return GARBAGE.map((entry) => ({
        id: `garbage:${entry.name}`,
        description: `${WAY_OUT_WORDS.garbage}: ${entry.name}`,
        bytesHex: entry.bytes.toString('hex'),
        rule: FIRST_PACKET_RULE,
      }));
    }
    const words = WAY_OUT_WORDS[family as WayOut];
    return words === undefined ? [] : [{ id: family, description: words, rule: FIRST_PACKET_RULE, bytesHex: '' }];
  },
  restrict(params, family, caseId) {
    const kind = caseId?.startsWith('garbage:') === true ? caseId.slice('garbage:'.length) : 'all';
    return { ...params, closeMode: family, garbage: kind };
  },
};

function silentShare(mode: string): number {
  if (mode === 'mixed') return 1 / WAYS_OUT.length;
  return mode === 'silent' ? 1 : 0;
}

export const healthCheckChurn: PatternDefinition = {
  name: 'health-check-churn',
  summary: 'TCP connections that never speak MQTT: closed, reset, sending garbage, or left silent',
  operation: 'connection',
  variants: HEALTH_CHECK_VARIANT_SPACE,
  params: {
    closeMode: {
      type: 'string',
      default: 'close',
      enum: CLOSE_MODES,
      description:
        'how each connection ends: close (FIN), reset (RST), garbage (send non-MQTT bytes, ' +
        'wait for the broker to close), silent (send nothing, wait for the broker to time ' +
        'it out), or mixed (rotating through all four)',
    },
    garbage: {
      type: 'string',
      default: 'all',
      enum: ['all', ...GARBAGE.map((entry) => entry.name)],
      description: 'garbage: which non-MQTT bytes to send (all of them in turn, or one)',
    },
    silentTimeoutMs: {
      type: 'integer',
      default: 1000,
      minimum: 10,
      maximum: 600_000,
      description:
        'give up on a silent or garbage connection the broker has not closed after this long (then close it)',
    },
    silentConcurrency: {
      type: 'integer',
      default: 500,
      minimum: 1,
      maximum: 10_000,
      // Silent connections wait most of their time; a pool of their own keeps them from starving the others.
      description: 'silent connections held at once (a pool of their own, beside `concurrency`)',
    },
    connectTimeoutMs: {
      type: 'integer',
      default: 5000,
      minimum: 100,
      maximum: 60000,
      description: 'give up on one connection after this long',
    },
    ...WEBSOCKET_PARAMS,
  },
  // Each connection is independent: over agents each runs a share of every cycle.
  splitsCycles: {
    shareParams: (params, share) => ({
      ...params,
      silentConcurrency: Math.max(1, Math.ceil(numberParam(params, 'silentConcurrency') * share)),
    }),
  },
  extraCycleMs(params: Params) {
    const silent = Math.ceil(numberParam(params, 'operationsPerCycle') * silentShare(stringParam(params, 'closeMode')));
    return silent === 0
      ? 0
      : Math.ceil(silent / numberParam(params, 'silentConcurrency')) * numberParam(params, 'silentTimeoutMs');
  },
  async start(context) {
    const { host, port, transport } = context.broker;
    const mode = stringParam(context.params, 'closeMode');
    const ws = webSocketChecks(context.broker, context.params);
    const holdMs = numberParam(context.params, 'silentTimeoutMs');
    const silentConcurrency = numberParam(context.params, 'silentConcurrency');
    const timeoutMs = numberParam(context.params, 'connectTimeoutMs');
    const garbageKind = stringParam(context.params, 'garbage');
    const families = HEALTH_CHECK_VARIANT_SPACE.families(context.params);
    const facts = new ProtocolFacts();

    const operation = async (index: number, mode: string): Promise<void> => {
      const check = ws?.checkFor(index) ?? null;
      if (ws !== null && check !== null) {
        await ws.run(check, facts, timeoutMs);
        return;
      }
      const way = wayOutFor(mode, index);
      if (way === 'close' || way === 'reset') {
        await tcpConnectClose(host, port, way, timeoutMs, transport);
        return;
      }
      const garbage = way === 'garbage' ? garbageFor(mode, index, garbageKind) : null;
      const { end, ms } = await tcpHold(host, port, garbage?.bytes ?? null, holdMs, timeoutMs, transport);
      const variant = garbage === null ? 'silent' : `garbage:${garbage.name}`;
      facts.answer(variant, end);
      if (end !== 'gave-up') facts.observe(garbage === null ? 'silentCloseMs' : 'garbageCloseMs', ms);
    };

    return {
      async runCycle(request) {
        // One way out per measured cycle, in rotation (its growth credited to it); warm-up mixes them all.
        const family = cycleFamily(context.params, families, request.index);
        const cycleMode = family ?? mode;
        const first = request.index * request.operations;
        const silent: number[] = [];
        const others: number[] = [];
        for (let i = 0; i < request.operations; i++)
          (wayOutFor(cycleMode, first + i) === 'silent' ? silent : others).push(first + i);
        const pool = (indices: number[], concurrency: number): Promise<OperationTally> =>
          runOperations(indices.length, concurrency, request.deadlineMs, context.signal, (k) =>
            operation(indices[k] as number, cycleMode),
          );
        const total = sumTallies(
          await Promise.all([pool(others, request.concurrency), pool(silent, silentConcurrency)]),
        );
        return {
          operations: total.attempted,
          ...total,
          ...facts.take(),
          ...(family === undefined ? {} : { variant: family }),
        };
      },
      teardown: async () => undefined,
    };
  },
};
