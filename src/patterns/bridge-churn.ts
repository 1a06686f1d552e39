import { targetError, usageError } from '../core/errors.js';
import { BridgeTraffic, type QoS } from '../load/bridge/bridge-traffic.js';
import {
  describeHook,
  fillPlaceholders,
  parseRestartHook,
  runRestartHook,
  type RestartHook,
} from '../load/bridge/restart-hook.js';
import { RECONNECT_GROWTH, RECONNECT_WAIT_CAP_MS, ReconnectWait } from '../load/bridge/reconnect-wait.js';
import type { BridgeCycleReport } from '../core/report-model.js';
import { DROP_MODES, PeerBroker, REFUSE_MODES, type DropMode, type RefuseMode } from '../target/peer-broker.js';
import type { CycleOutcome, CycleRequest, PatternDefinition, PatternRun } from './pattern.js';
import { numberParam, stringParam, type Params } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { sleep } from '../core/sleep.js';

// NanoMQ leaked when its bridge client was torn down and restarted: message queues, sockets, threads and
// subscription-tree nodes were not freed (seeds/001). A bridge is the broker acting as a client of another
// broker, so mqleak plays that other broker (its "peer") and makes the link flap: each operation drops the
// bridge's connection from the peer's side (or has a restart hook restart the bridge on the target),
// optionally refuses reconnects for a while, then waits for the bridge to come back and checks that
// messages flow again both ways. The target's memory, fds and threads are judged per bridge reconnect.

export const OUT_RESUMED_CHECK = 'forwarding resumed target→peer after reconnect';
export const IN_RESUMED_CHECK = 'forwarding resumed peer→target after reconnect';
export const HOOK_ANSWERED_CHECK = 'the restart hook answered in time';

/**
 * A bridge reconnect takes the bridge's own restart delay: ~2 s for Mosquitto with `restart_timeout 1 1`
 * (measured: it reconnects on the first whole second after the delay), longer for brokers with a backoff.
 * For duration estimates only.
 */
const NOMINAL_RECONNECT_MS = 2500;
const MQTT_WILDCARDS = /[+#]/;

/** A topic prefix parameter without its trailing slashes; `fallback` when it is '' (and one is given). */
function topicPrefix(params: Params, name: string, fallback?: string): string {
  const prefix = stringParam(params, name).replace(/\/+$/, '');
  if (prefix === '' && fallback !== undefined) return fallback;
  if (prefix === '' || MQTT_WILDCARDS.test(prefix) || prefix.includes('\u0000')) {
    throw usageError(
      `bridge-churn: ${name} '${stringParam(params, name)}' is not a topic prefix`,
      `a topic without wildcards, e.g. mqleak/out; mqleak publishes on PREFIX/<run token>`,
    );
  }
  return prefix;
}

async function startPeer(host: string, port: number): Promise<PeerBroker> {
  try {
    return await PeerBroker.start(host, port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw usageError(
      `bridge-churn: mqleak's peer broker cannot listen on ${host}:${port} (${code})`,
      'choose a free port with --set peerPort=N (0: any free port), or another --set peerHost',
    );
  }
}

/** What the user must configure on the target, for error hints. */
function bridgeHint(peer: PeerBroker, outTopic: string, inTopic: string): string {
  return (
    `configure the target's bridge to connect to ${peer.address} over MQTT 3.1.1 and ` +
    `forward ${outTopic}/# out to it and ${inTopic}/# in from it ` +
    `(Mosquitto: address ${peer.address}, topic ${outTopic}/# out 1, topic ${inTopic}/# in 1, restart_timeout 1 1), ` +
    'and give the port to mqleak with --set peerPort=N (see docs/scenarios/bridge-churn.md)'
  );
}

export const bridgeChurn: PatternDefinition = {
  name: 'bridge-churn',
  summary: "the target's bridge to mqleak's peer broker drops and reconnects while messages flow both ways",
  operation: 'bridge reconnect',
  needsTargetSetup: "a bridge to mqleak's peer broker (peerPort)",
  params: {
    peerHost: {
      type: 'string',
      default: '127.0.0.1',
      description: "address mqleak's peer broker listens on (the target's bridge connects there)",
    },
    peerPort: {
      type: 'integer',
      default: 0,
      minimum: 0,
      maximum: 65535,
      description: "port of mqleak's peer broker; 0: a free port, printed at the start and written in the report",
    },
    outTopic: {
      type: 'string',
      default: 'mqleak/out',
      description:
        'topic prefix the bridge forwards from the target to the peer (mqleak publishes on PREFIX/<run token>)',
    },
    inTopic: {
      type: 'string',
      default: 'mqleak/in',
      description: 'topic prefix the bridge forwards from the peer to the target',
    },
    peerOutTopic: {
      type: 'string',
      default: '',
      description:
        "for a bridge that rewrites topics: the prefix outTopic's messages arrive under on the peer ('' : the same)",
    },
    peerInTopic: {
      type: 'string',
      default: '',
      description:
        "for a bridge that rewrites topics: the prefix mqleak publishes under on the peer for inTopic ('' : the same)",
    },
    qos: {
      type: 'integer',
      default: 1,
      minimum: 0,
      maximum: 2,
      description: 'QoS of the messages mqleak sends through the bridge',
    },
    messageRate: {
      type: 'number',
      default: 20,
      minimum: 1,
      maximum: 1000,
      description: 'messages per second in each direction while a cycle runs',
    },
    dropMode: {
      type: 'string',
      default: 'close',
      enum: DROP_MODES,
      description: "how the peer drops the bridge's connection: close (FIN) or reset (RST)",
    },
    upSeconds: {
      type: 'number',
      default: 1,
      minimum: 0,
      maximum: 3600,
      description: 'after forwarding resumed, keep the link up this long with messages flowing before the next drop',
    },
    refuseSeconds: {
      type: 'number',
      default: 0,
      minimum: 0,
      maximum: 3600,
      description: 'after each drop, refuse the bridge this long before accepting it again',
    },
    refuseMode: {
      type: 'string',
      default: 'down',
      enum: REFUSE_MODES,
      description:
        'how the peer refuses meanwhile: down (not listening: connection refused), ' +
        'unavailable (CONNACK 3, server unavailable), close (CONNECT read, connection ' +
        'closed without CONNACK)',
    },
    connectTimeoutSeconds: {
      type: 'number',
      default: 60,
      minimum: 1,
      maximum: 3600,
      description: "wait this long for the bridge's first connection to the peer",
    },
    reconnectTimeoutSeconds: {
      type: 'number',
      default: 30,
      minimum: 1,
      maximum: 3600,
      description:
        'wait at least this long for the bridge to come back after each drop (its restart delay included); ' +
        'the wait grows to 3x the longest reconnect delay seen (a backoff), up to 300 s; then the target ' +
        'failed',
    },
    resumeTimeoutSeconds: {
      type: 'number',
      default: 10,
      minimum: 0.1,
      maximum: 600,
      description: 'after a reconnect, forwarding in each direction must resume within this long',
    },
    drainSeconds: {
      type: 'number',
      default: 2,
      minimum: 0,
      maximum: 600,
      description: 'at the end of a cycle, wait up to this long for messages still in flight before counting lost ones',
    },
    restartHook: {
      type: 'string',
      default: '',
      description:
        'restart the bridge on the target instead of dropping it from the peer: a shell ' +
        "command, or 'METHOD URL' for an HTTP request ({peerHost}, {peerPort} filled in); " +
        "'' for none",
    },
    restartHookBody: {
      type: 'string',
      default: '',
      description: 'JSON body of an HTTP restartHook ({peerHost}, {peerPort} filled in)',
    },
    restartHookEvery: {
      type: 'integer',
      default: 1,
      minimum: 1,
      maximum: 1_000_000,
      description: 'with a restartHook, it does every Nth reconnect (the others are peer-side drops); 1: every one',
    },
    hookTimeoutSeconds: {
      type: 'number',
      default: 30,
      minimum: 1,
      maximum: 3600,
      description: 'bound on one run of the restartHook',
    },
  },
  extraCycleMs(params) {
    const operations = typeof params.operationsPerCycle === 'number' ? params.operationsPerCycle : 0;
    const seconds = (name: string): number => (typeof params[name] === 'number' ? (params[name] as number) : 0);
    return (
      operations * (NOMINAL_RECONNECT_MS + (seconds('upSeconds') + seconds('refuseSeconds')) * 1000) +
      seconds('drainSeconds') * 1000
    );
  },
  async start(context) {
    const { params, signal } = context;
    const outTopic = topicPrefix(params, 'outTopic');
    const inTopic = topicPrefix(params, 'inTopic');
    const peerOutTopic = topicPrefix(params, 'peerOutTopic', outTopic);
    const peerInTopic = topicPrefix(params, 'peerInTopic', inTopic);
    const peer = await startPeer(stringParam(params, 'peerHost'), numberParam(params, 'peerPort'));
    const placeholders = { peerHost: peer.host, peerPort: peer.port };
    let hook: RestartHook | null;
    try {
      hook = parseRestartHook(
        fillPlaceholders(stringParam(params, 'restartHook'), placeholders),
        fillPlaceholders(stringParam(params, 'restartHookBody'), placeholders),
      );
    } catch (error) {
      await peer.close();
      throw error;
    }
    context.notice?.(
      `bridge-churn: mqleak's peer broker listens on ${peer.address}; waiting for the target's bridge to connect`,
    );

    const first = await peer.waitForConnection(0, numberParam(params, 'connectTimeoutSeconds') * 1000, signal);
    if (first === null) {
      await peer.close();
      if (signal.aborted) return idleRun();
      const seen =
        peer.tcpConnections > 0
          ? `; ${peer.tcpConnections} connection(s) reached it without completing an MQTT 3.1.1 CONNECT`
          : '';
      throw targetError(
        `the target's bridge never connected to mqleak's peer at ${peer.address} within ` +
          `${numberParam(params, 'connectTimeoutSeconds')} s${seen}`,
        bridgeHint(peer, outTopic, inTopic),
      );
    }

    let traffic: BridgeTraffic;
    try {
      traffic = await BridgeTraffic.start({
        target: context.broker,
        peer,
        out: { atTarget: `${outTopic}/${context.runToken}`, atPeer: `${peerOutTopic}/${context.runToken}` },
        in: { atPeer: `${peerInTopic}/${context.runToken}`, atTarget: `${inTopic}/${context.runToken}` },
        qos: numberParam(params, 'qos') as QoS,
        ratePerSecond: numberParam(params, 'messageRate'),
        clientId: `mqleak-${context.runToken}-bridge-traffic`,
        connectTimeoutMs: numberParam(params, 'resumeTimeoutSeconds') * 1000,
        credentials: context.credentials,
      });
    } catch (error) {
      await peer.close();
      throw error;
    }
    const run = new BridgeChurnRun(context.params, signal, peer, traffic, hook, outTopic, inTopic);
    try {
      await run.checkForwarding();
    } catch (error) {
      await run.teardown();
      throw error;
    }
    return run;
  },
};

/** A run that does nothing: the scenario was interrupted before the bridge connected. */
function idleRun(): PatternRun {
  return {
    runCycle: async () => ({ operations: 0, failures: 0, failureKinds: {}, timedOut: false }),
    teardown: async () => undefined,
  };
}

class BridgeChurnRun implements PatternRun {
  private reconnectIndex = 0;
  private readonly facts = new ProtocolFacts();
  private readonly dropMode: DropMode;
  private readonly refuseMode: RefuseMode;
  private readonly refuseMs: number;
  private readonly upMs: number;
  private readonly reconnectWait: ReconnectWait;
  private readonly resumeTimeoutMs: number;
  private closed = false;

  constructor(
    private readonly params: Params,
    private readonly signal: AbortSignal,
    private readonly peer: PeerBroker,
    private readonly traffic: BridgeTraffic,
    private readonly hook: RestartHook | null,
    private readonly outTopic: string,
    private readonly inTopic: string,
  ) {
    this.dropMode = stringParam(params, 'dropMode') as DropMode;
    this.refuseMode = stringParam(params, 'refuseMode') as RefuseMode;
    this.refuseMs = numberParam(params, 'refuseSeconds') * 1000;
    this.upMs = numberParam(params, 'upSeconds') * 1000;
    this.reconnectWait = new ReconnectWait(numberParam(params, 'reconnectTimeoutSeconds') * 1000);
    this.resumeTimeoutMs = numberParam(params, 'resumeTimeoutSeconds') * 1000;
  }

  /** Before the first cycle: messages must get through both ways, or the bridge's topics are not what mqleak sends. */
  async checkForwarding(): Promise<void> {
    this.traffic.startFlow();
    const [out, inbound] = await Promise.all([
      this.traffic.waitForResume('out', 0, this.resumeTimeoutMs, this.signal),
      this.traffic.waitForResume('in', 0, this.resumeTimeoutMs, this.signal),
    ]);
    this.traffic.stopFlow();
    if (this.signal.aborted) return;
    if (out === null || inbound === null) {
      const which =
        out === null && inbound === null
          ? 'either way'
          : out === null
            ? `target → peer (${this.outTopic}/#)`
            : `peer → target (${this.inTopic}/#)`;
      throw targetError(
        `the target's bridge connected to mqleak's peer at ${this.peer.address} but ` +
          `forwarded no message ${which} within ${this.resumeTimeoutMs / 1000} s`,
        bridgeHint(this.peer, this.outTopic, this.inTopic),
      );
    }
    await this.traffic.drain(numberParam(this.params, 'drainSeconds') * 1000, this.signal);
    // The check's messages are not a cycle's.
    this.traffic.out.closeCycle();
    this.traffic.in.closeCycle();
  }

  async runCycle(request: CycleRequest): Promise<CycleOutcome> {
    const reconnectMs: number[] = [];
    const resumeMs = { out: [] as number[], in: [] as number[] };
    const refusedBefore = this.peer.refusedAttempts;
    let byHook = 0;
    let timedOut = false;
    this.traffic.startFlow();
    try {
      for (let i = 0; i < request.operations && !this.signal.aborted; i++) {
        if (Date.now() >= request.deadlineMs) {
          timedOut = true;
          break;
        }
        const result = await this.reconnect();
        if (result === null) break; // aborted
        reconnectMs.push(result.reconnectMs);
        if (result.byHook) byHook++;
        for (const direction of ['out', 'in'] as const) {
          const ms = result.resumeMs[direction];
          this.facts.check(direction === 'out' ? OUT_RESUMED_CHECK : IN_RESUMED_CHECK, ms !== null);
          if (ms !== null) {
            resumeMs[direction].push(ms);
            this.facts.observe(direction === 'out' ? 'resumeOutMs' : 'resumeInMs', ms);
          }
        }
        this.facts.observe('reconnectMs', result.reconnectMs);
      }
    } finally {
      this.traffic.stopFlow();
    }
    await this.traffic.drain(numberParam(this.params, 'drainSeconds') * 1000, this.signal);
    const bridge: BridgeCycleReport = {
      peer: this.peer.address,
      reconnects: reconnectMs.length,
      byHook,
      refusedAttempts: this.peer.refusedAttempts - refusedBefore,
      reconnectMs,
      resumeMs,
      out: this.traffic.out.closeCycle(),
      in: this.traffic.in.closeCycle(),
    };
    return {
      operations: reconnectMs.length,
      // A reconnect after which forwarding did not resume is a failed protocol check, not a failed operation:
      // the bridge did reconnect, and the run goes on (the check shows in the report).
      failures: 0,
      failureKinds: {},
      timedOut,
      ...this.facts.take(),
      bridge,
    };
  }

  /**
   * One bridge reconnect: drop (or hook), optional refusal, wait for the bridge, wait for forwarding. Null when
   * aborted.
   */
  private async reconnect(): Promise<{
    reconnectMs: number;
    byHook: boolean;
    resumeMs: { out: number | null; in: number | null };
  } | null> {
    const index = this.reconnectIndex++;
    const byHook = this.hook !== null && index % numberParam(this.params, 'restartHookEvery') === 0;
    const before = this.peer.generation;
    const refusing = this.refuseMs > 0;
    const outageFrom = { out: this.traffic.out.nextSeq, in: this.traffic.in.nextSeq };
    if (refusing) await this.peer.refuse(this.refuseMode);
    const startedMs = Date.now();
    let hookFailure: string | null = null;
    try {
      if (byHook && this.hook !== null) {
        // A hook that fails or times out (a REST reload that reloads but never answers) is recorded as a failed
        // check; the run goes on as long as the bridge does come back (the wait below decides).
        hookFailure = await runRestartHook(this.hook, numberParam(this.params, 'hookTimeoutSeconds') * 1000).then(
          () => null,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        this.facts.check(HOOK_ANSWERED_CHECK, hookFailure === null);
      } else await this.peer.drop(this.dropMode);
      if (refusing) await sleep(this.refuseMs, this.signal);
    } finally {
      if (refusing) await this.peer.accept();
    }
    const waitMs = this.reconnectWait.nextWaitMs();
    const connection = await this.peer.waitForConnection(before, waitMs, this.signal);
    if (connection === null) {
      if (this.signal.aborted) return null;
      const how =
        byHook && this.hook !== null
          ? 'after the restart hook ' +
            `(${describeHook(this.hook)}${hookFailure === null ? '' : `, which failed: ${hookFailure}`})`
          : 'after mqleak dropped it';
      throw targetError(
        `the target's bridge did not reconnect to mqleak's peer at ${this.peer.address} ` +
          `within ${waitMs / 1000} s ${how} (reconnect ${index + 1}; ${this.reconnectWait.describeSeen()}; the ` +
          `wait adapts to ${RECONNECT_GROWTH}x the longest delay seen, up to ${RECONNECT_WAIT_CAP_MS / 1000} ` +
          's)',
        `the bridge must keep reconnecting to ${this.peer.address}: give it a short restart delay ` +
          "(Mosquitto: restart_timeout 1 1), or raise --set reconnectTimeoutSeconds (the wait's floor)",
      );
    }
    this.reconnectWait.observe(connection.atMs - startedMs);
    const fromOut = this.traffic.out.nextSeq;
    const fromIn = this.traffic.in.nextSeq;
    const [out, inbound] = await Promise.all([
      this.traffic.waitForResume('out', fromOut, this.resumeTimeoutMs, this.signal),
      this.traffic.waitForResume('in', fromIn, this.resumeTimeoutMs, this.signal),
    ]);
    // The outage, per direction: from the drop until the first message that got through again.
    this.traffic.out.markOutage(outageFrom.out, out?.seq ?? this.traffic.out.nextSeq);
    this.traffic.in.markOutage(outageFrom.in, inbound?.seq ?? this.traffic.in.nextSeq);
    if (this.signal.aborted) return null;
    await sleep(this.upMs, this.signal);
    return {
      reconnectMs: connection.atMs - startedMs,
      byHook,
      resumeMs: { out: out?.ms ?? null, in: inbound?.ms ?? null },
    };
  }

  async teardown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.traffic.close();
    await this.peer.close();
  }
}
