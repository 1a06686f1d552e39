import { RawMqttConnection, type ProtocolVersion } from '../load/clients/raw-mqtt-client.js';
import { failureKind, runOperations, sumTallies } from '../load/pacing/run-operations.js';
import { runCallbackPool, type CallbackOperation } from '../load/pacing/callback-pool.js';
import { ChurnDialer } from '../load/clients/churn-connection.js';
import { connectExtrasFor, waitForClose } from '../load/wire/raw-helpers.js';
import type { PatternDefinition, VariantSpace } from './pattern.js';
import { cycleFamily } from './shared/rotation.js';
import { numberParam, stringParam, type Params } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { WEBSOCKET_PARAMS, webSocketChecks } from './shared/websocket-checks.js';
import { PROTOCOL_VERSION_SPEC, shareSpec } from './shared/param-specs.js';

// Clients that connect and go away again, half of them politely (DISCONNECT) and half abruptly (the Go
// clients of the seeds that vanish without DISCONNECT): a session's resources must be freed on both ways
// out. Pooled client ids make each connection reuse (or take over) an earlier session's id; a share of
// clients go silent with a short keepalive, and the broker must notice and drop them.
// Over plain TCP the churned connections take the lean path (churn-connection.ts: no parser, promise or
// timer per connection), so a churn run loads the broker rather than mqleak; TLS, WebSocket and the
// silent clients use RawMqttConnection.

/** Deterministic spread of abrupt closes: operation i is abrupt when the running share crosses an integer. */
export function isAbrupt(index: number, abruptShare: number): boolean {
  return Math.floor((index + 1) * abruptShare) > Math.floor(index * abruptShare);
}

/** The client id of operation `index`: unique per connection, or one of `poolSize` ids in turn. */
export function clientIdFor(prefix: string, index: number, mode: string, poolSize: number): string {
  return mode === 'pooled' ? `${prefix}-p${index % poolSize}` : `${prefix}-${index}`;
}

/**
 * MQTT 3.1.1 and 5 both say the broker closes a connection that sent nothing for 1.5 × keepalive;
 * a broker that checks on a timer may take a little longer, so the wait is bounded by a parameter.
 */
const KEEPALIVE_GRACE = 1.5;
/**
 * Brokers check keepalives on a timer: Mosquitto 2.0 dropped 1 s-keepalive clients after 1.9–4.8 s here. For estimates
 * only.
 */
const KEEPALIVE_CHECK_PERIOD_MS = 3000;
/** Check: the broker closed a client silent past 1.5 × its keepalive (within expiryWaitMs). */
export const KEEPALIVE_DROPPED = 'keepalive-expired-dropped';

const CLOSE_WORDS: Record<string, { words: string; rule: string }> = {
  disconnect: {
    words: 'CONNECT, CONNACK, then DISCONNECT and close',
    rule: 'MQTT 3.1.1 3.14 / MQTT 5.0 3.14: a clean session ends with the connection',
  },
  abrupt: {
    words: 'CONNECT, CONNACK, then the socket closed without DISCONNECT',
    rule: 'MQTT 3.1.1 4.1 / MQTT 5.0 4.1: a clean session ends when the network connection closes, however it closes',
  },
};

/** The ways of closing `abruptShare` mixes: both when it is strictly between 0 and 1. */
function closeWays(params: Params): string[] {
  const abruptShare = numberParam(params, 'abruptShare');
  return [...(abruptShare < 1 ? ['disconnect'] : []), ...(abruptShare > 0 ? ['abrupt'] : [])];
}

/**
 * One family per way of closing (DISCONNECT or abrupt). `abruptShare` says which exist and their mix in
 * warm-up and in runs too short to rotate; a rotating measured cycle closes one way only. The clients that
 * go silent past their keepalive (`keepaliveExpiryShare`) stay beside them in every cycle.
 */
export const CONNECT_CHURN_VARIANT_SPACE: VariantSpace = {
  families: closeWays,
  cases: (_params, family) => {
    const words = CLOSE_WORDS[family];
    return words === undefined ? [] : [{ id: family, description: words.words, rule: words.rule }];
  },
  restrict: (params, family) => ({ ...params, abruptShare: family === 'abrupt' ? 1 : 0 }),
};

export const connectChurn: PatternDefinition = {
  name: 'connect-churn',
  summary:
    'MQTT CONNECT → CONNACK → DISCONNECT or abrupt close; pooled client ids; clients gone silent past their keepalive',
  operation: 'connection',
  variants: CONNECT_CHURN_VARIANT_SPACE,
  params: {
    abruptShare: shareSpec('share of connections closed without DISCONNECT'),
    protocolVersion: PROTOCOL_VERSION_SPEC,
    keepalive: {
      type: 'integer',
      default: 30,
      minimum: 0,
      maximum: 65535,
      description: 'keepalive seconds sent in CONNECT',
    },
    clientIds: {
      type: 'string',
      default: 'unique',
      enum: ['unique', 'pooled'],
      description:
        'unique: a new client id per connection; pooled: ids reused in turn from a pool of ' +
        "`clientIdPool` (a later connection resumes or takes over an earlier one's session)",
    },
    clientIdPool: {
      type: 'integer',
      default: 100,
      minimum: 1,
      maximum: 1_000_000,
      description: 'client ids in the pool when clientIds is pooled',
    },
    keepaliveExpiryShare: {
      type: 'number',
      default: 0,
      minimum: 0,
      maximum: 1,
      description:
        'share of connections that go silent with a short keepalive (`silentKeepalive`) until the broker drops them',
    },
    silentKeepalive: {
      type: 'integer',
      default: 1,
      minimum: 1,
      maximum: 60,
      description: 'keepalive seconds of the clients that go silent',
    },
    expiryWaitMs: {
      type: 'integer',
      default: 10_000,
      minimum: 100,
      maximum: 600_000,
      description:
        'give up waiting for the broker to drop a silent client after this long (then close it): the check fails',
    },
    expiryConcurrency: {
      type: 'integer',
      default: 500,
      minimum: 1,
      maximum: 10_000,
      description: 'silent clients held at once (a pool of their own, beside `concurrency`)',
    },
    connectTimeoutMs: {
      type: 'integer',
      default: 5000,
      minimum: 100,
      maximum: 60000,
      description: 'give up on one connection (to CONNACK) after this long',
    },
    ...WEBSOCKET_PARAMS,
  },
  // Each connection is independent: over agents each runs a share of every cycle, its ids under its own run token.
  splitsCycles: {
    shareParams: (params, share) => ({
      ...params,
      // The pool and the silent clients' pool are sized for the whole run: each agent takes its share of them.
      clientIdPool: Math.max(1, Math.round(numberParam(params, 'clientIdPool') * share)),
      expiryConcurrency: Math.max(1, Math.ceil(numberParam(params, 'expiryConcurrency') * share)),
    }),
  },
  extraCycleMs(params: Params) {
    const silent = Math.ceil(numberParam(params, 'operationsPerCycle') * numberParam(params, 'keepaliveExpiryShare'));
    const perClientMs = numberParam(params, 'silentKeepalive') * 1000 * KEEPALIVE_GRACE + KEEPALIVE_CHECK_PERIOD_MS;
    return silent === 0 ? 0 : Math.ceil(silent / numberParam(params, 'expiryConcurrency')) * perClientMs;
  },
  async start(context) {
    const { host, port, transport } = context.broker;
    const params = context.params;
    const abruptShare = numberParam(params, 'abruptShare');
    const protocolVersion = numberParam(params, 'protocolVersion') as ProtocolVersion;
    const keepalive = numberParam(params, 'keepalive');
    const idMode = stringParam(params, 'clientIds');
    const poolSize = numberParam(params, 'clientIdPool');
    const expiryShare = numberParam(params, 'keepaliveExpiryShare');
    const silentKeepalive = numberParam(params, 'silentKeepalive');
    const expiryWaitMs = numberParam(params, 'expiryWaitMs');
    const expiryConcurrency = numberParam(params, 'expiryConcurrency');
    const timeoutMs = numberParam(params, 'connectTimeoutMs');
    const prefix = `mqleak-${context.runToken}`;
    const ws = webSocketChecks(context.broker, params);
    const extras = connectExtrasFor(context.credentials);
    const facts = new ProtocolFacts();
    let churned = 0;
    let silenced = 0;
    const ways = closeWays(params);
    /** This cycle's way of closing (rotation), or null when `abruptShare` mixes them. */
    let cycleAbrupt: boolean | null = null;
    const abruptAt = (index: number): boolean => cycleAbrupt ?? isAbrupt(index, abruptShare);
    const dialer =
      transport === undefined || transport.scheme === 'mqtt'
        ? new ChurnDialer({ host, port, protocolVersion, keepalive, clean: true, timeoutMs, connectExtras: extras })
        : null;

    const startChurn: CallbackOperation = (_, done) => {
      const index = churned++;
      if (dialer !== null) {
        dialer.attempt(clientIdFor(prefix, index, idMode, poolSize), abruptAt(index), done);
        return;
      }
      churnOnRawClient(index).then(
        () => done(null),
        (error: unknown) => done(failureKind(error)),
      );
    };

    // mqtts://, ws://, wss:// (and their WebSocket checks): the full raw client.
    const churnOnRawClient = async (index: number): Promise<void> => {
      const check = ws?.checkFor(index) ?? null;
      if (ws !== null && check !== null) {
        await ws.run(check, facts, timeoutMs);
        return;
      }
      const connection = await RawMqttConnection.connect({
        host,
        port,
        transport,
        clientId: clientIdFor(prefix, index, idMode, poolSize),
        protocolVersion,
        keepalive,
        clean: true,
        timeoutMs,
        connectExtras: extras,
      });
      if (abruptAt(index)) connection.vanish();
      else await connection.disconnect();
    };

    const goSilent = async (): Promise<void> => {
      const connection = await RawMqttConnection.connect({
        host,
        port,
        transport,
        // Unique whatever the id mode: a pooled id would be taken over, not expired.
        clientId: `${prefix}-ka${silenced++}`,
        protocolVersion,
        keepalive: silentKeepalive,
        clean: true,
        timeoutMs,
        connectExtras: extras,
      });
      const sinceConnack = Date.now();
      const closed = await waitForClose(connection.socket, expiryWaitMs);
      facts.check(KEEPALIVE_DROPPED, closed);
      if (closed) facts.observe('keepaliveDropMs', Date.now() - sinceConnack);
      else connection.vanish();
    };

    return {
      async runCycle(request) {
        // One way of closing per measured cycle, in rotation (its growth credited to it); warm-up mixes them.
        const family = cycleFamily(params, ways, request.index);
        cycleAbrupt = family === undefined ? null : family === 'abrupt';
        const silent = Array.from({ length: request.operations }, (_, i) =>
          isAbrupt(request.index * request.operations + i, expiryShare),
        );
        const silentCount = silent.filter(Boolean).length;
        const tally = sumTallies(
          await Promise.all([
            runCallbackPool(
              request.operations - silentCount,
              request.concurrency,
              request.deadlineMs,
              context.signal,
              startChurn,
            ),
            runOperations(silentCount, expiryConcurrency, request.deadlineMs, context.signal, goSilent),
          ]),
        );
        return {
          operations: tally.attempted,
          ...tally,
          ...facts.take(),
          ...(family === undefined ? {} : { variant: family }),
        };
      },
      teardown: async () => dialer?.close(),
    };
  },
};
