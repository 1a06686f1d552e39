import os from 'node:os';
import WebSocket from 'ws';
import type { HeldClientsOptions } from '../clients/held-clients.js';
import { planSourceAddresses } from '../fleet/source-addresses.js';
import { ShardGroup } from '../fleet/shard-group.js';
import { ownOpenFilesLimit, startShards } from '../fleet/worker-fleet.js';
import { clientsPerProcess, splitClients } from '../fleet/worker-split.js';
import { workerStats } from '../fleet/worker-protocol.js';
import {
  AGENT_PROTOCOL,
  parseMessage,
  proofOf,
  type AgentReply,
  type AgentRequest,
  type Challenge,
  type Hello,
  type SetupResult,
  type ShareCycleResult,
} from './agent-protocol.js';
import type { PatternHost, SharedPatternRun } from './pattern-share.js';

// `mqleak agent`: dials the coordinator, proves it holds the token, then runs the coordinator's requests
// on its own load workers, the same HeldClients code as a local worker. It stops its load whenever the
// connection ends, and exits 0 when the coordinator says the run is over.

/** Between attempts to reach a coordinator that is not listening yet (agents may start first, as in Kubernetes). */
const RETRY_MS = 1_000;
/** Bound on a release the coordinator asked for. */
const RELEASE_TIMEOUT_MS = 60_000;

export interface AgentOptions {
  /** ws://HOST:PORT or wss://HOST:PORT. */
  url: string;
  token: string;
  version: string;
  agentId: string;
  host?: string;
  /** `--source-ip` on this host; none: loopback spread for a loopback broker, else the kernel's choice. */
  sourceIps: readonly string[];
  /** PEM CA of the coordinator's certificate (wss://). */
  ca?: string;
  /** How long to keep trying to reach the coordinator. */
  connectWaitMs: number;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Starts a share of a pattern (`cycle` requests); absent: this agent runs held clients only. */
  patterns?: PatternHost;
}

export type AgentOutcome =
  | { kind: 'done' }
  | { kind: 'refused'; reason: string }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'lost'; detail: string };

/**
 * Opens the WebSocket, retrying until the coordinator listens or the wait is over. Frames that arrive
 * with the upgrade (the challenge often does) are kept in `early`: they are emitted before anyone awaiting
 * the open could listen.
 */
async function dial(options: AgentOptions): Promise<{ socket: WebSocket; early: WebSocket.RawData[] } | string> {
  const deadline = Date.now() + options.connectWaitMs;
  let last = 'no attempt';
  while (!options.signal.aborted) {
    const socket = new WebSocket(options.url, { ...(options.ca === undefined ? {} : { ca: options.ca }) });
    const early: WebSocket.RawData[] = [];
    const keep = (data: WebSocket.RawData): void => {
      early.push(data);
    };
    socket.on('message', keep);
    const opened = await new Promise<string | null>((resolve) => {
      socket.once('open', () => resolve(null));
      socket.once('error', (error) => resolve(error.message));
    });
    socket.off('message', keep);
    if (opened === null) return { socket, early };
    if (opened !== last)
      options.log(
        `cannot reach the coordinator at ${options.url} yet (${opened}); ` +
          `trying again for up to ${Math.round(options.connectWaitMs / 1000)} s`,
      );
    last = opened;
    socket.terminate();
    if (Date.now() + RETRY_MS > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  return last;
}

/** Runs one agent until the coordinator is done with it, refuses it, or is gone. */
export async function runAgent(options: AgentOptions): Promise<AgentOutcome> {
  const dialed = await dial(options);
  if (typeof dialed === 'string') return { kind: 'unreachable', detail: dialed };
  const { socket, early } = dialed;
  let group: ShardGroup | null = null;
  let fills = new AbortController();
  /** The pattern whose cycles this agent runs a share of, and what stops it starting operations. */
  let pattern: SharedPatternRun | null = null;
  let patternStop = new AbortController();
  let welcomed = false;
  let outcome: AgentOutcome | null = null;

  const stopGroup = async (): Promise<void> => {
    const current = group;
    group = null;
    fills.abort();
    await current?.stop();
  };

  const stopPattern = async (): Promise<void> => {
    const current = pattern;
    pattern = null;
    patternStop.abort();
    await current?.teardown();
  };

  const startPattern = async (request: Extract<AgentRequest, { type: 'pattern' }>): Promise<void> => {
    if (options.patterns === undefined) throw new Error('this agent cannot run patterns');
    await stopPattern();
    await stopGroup();
    patternStop = new AbortController();
    pattern = await options.patterns(request.share, { signal: patternStop.signal, sourceIps: options.sourceIps });
  };

  const runShare = async (request: Extract<AgentRequest, { type: 'cycle' }>): Promise<ShareCycleResult> => {
    if (pattern === null) throw new Error('the agent was not given a pattern for this scenario');
    const { remainingMs, ...rest } = request.request;
    const startedAt = Date.now();
    const outcome = await pattern.runCycle({ ...rest, deadlineMs: startedAt + remainingMs });
    return { outcome, elapsedMs: Date.now() - startedAt };
  };

  const setup = async (request: Extract<AgentRequest, { type: 'setup' }>): Promise<SetupResult> => {
    await stopPattern();
    await stopGroup();
    fills = new AbortController();
    const perProcess = request.perProcess > 0 ? request.perProcess : clientsPerProcess(ownOpenFilesLimit());
    const plan = splitClients(request.capacity, perProcess);
    // Source addresses are this host's own: its addresses never collide with another agent's.
    const sources = planSourceAddresses(request.options.host, request.capacity, options.sourceIps);
    const local: HeldClientsOptions = {
      ...request.options,
      sourceAddresses: sources.addresses,
      sourcesPerCycle: sources.perCycle,
    };
    group = new ShardGroup(await startShards(Math.max(1, plan.length), local, true));
    return { processes: group.shards.length, sourceAddresses: sources.perCycle };
  };

  const handle = async (request: AgentRequest): Promise<void> => {
    let reply: AgentReply;
    try {
      let result: Extract<AgentReply, { type: 'reply' }>['result'] = null;
      if (request.type === 'setup') result = await setup(request);
      else if (request.type === 'stop') await stopGroup();
      else if (request.type === 'pattern') await startPattern(request);
      else if (request.type === 'cycle') result = await runShare(request);
      else if (request.type === 'teardown') await stopPattern();
      else if (group === null) throw new Error('the agent was not set up for a scenario');
      else if (request.type === 'begin') await group.begin(request.rate);
      else if (request.type === 'fill') result = await group.fill(request.request, fills.signal);
      else result = await group.release(RELEASE_TIMEOUT_MS);
      const stats = group?.stats ?? workerStats();
      reply = { type: 'reply', id: request.id, result, stats };
    } catch (error) {
      reply = { type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) };
    }
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(reply));
  };

  const onAbort = (): void => socket.close(1001, 'agent stopped');
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = parseMessage(data);
      if (message === null) return;
      if (message.type === 'challenge') {
        const challenge = message as unknown as Challenge;
        const hello: Hello = {
          type: 'hello',
          proof: proofOf(options.token, challenge.nonce),
          version: options.version,
          protocol: AGENT_PROTOCOL,
          agentId: options.agentId,
          host: options.host ?? os.hostname(),
        };
        if (challenge.protocol !== AGENT_PROTOCOL || challenge.version !== options.version) {
          outcome = {
            kind: 'refused',
            reason:
              `version mismatch: the coordinator is mqleak ${challenge.version} (agent protocol ` +
              `${challenge.protocol}), this agent is mqleak ${options.version} (agent protocol ` +
              `${AGENT_PROTOCOL}); run the same mqleak version on both`,
          };
        }
        socket.send(JSON.stringify(hello));
      } else if (message.type === 'welcome') {
        welcomed = true;
        options.log(`joined the coordinator at ${options.url} as ${String(message.name)}`);
      } else if (message.type === 'refused') {
        outcome = { kind: 'refused', reason: String(message.reason) };
      } else if (message.type === 'bye') {
        outcome = { kind: 'done' };
      } else if (message.type === 'abort') {
        fills.abort();
        patternStop.abort();
      } else if (welcomed) {
        void handle(message as unknown as AgentRequest);
      }
    };
    // Listening before the early frames are replayed: a frame arriving meanwhile keeps its place after them.
    socket.on('message', onMessage);
    for (const data of early) onMessage(data);
    const closed = await new Promise<string>((resolve) => {
      if (socket.readyState === socket.CLOSED) resolve('closed');
      socket.once('close', (code, reason) => resolve(`code ${code}${reason.length > 0 ? `: ${reason}` : ''}`));
      socket.once('error', (error) => resolve(error.message));
    });
    await stopGroup();
    await stopPattern().catch(() => undefined);
    return outcome ?? { kind: 'lost', detail: options.signal.aborted ? 'the agent was stopped' : closed };
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    if (socket.readyState !== socket.CLOSED) socket.terminate();
  }
}
