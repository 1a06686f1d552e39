import type WebSocket from 'ws';
import type { FillRequest, FillResult, HeldClientsOptions, ReleaseResult } from '../clients/held-clients.js';
import type { ShardRunner } from '../fleet/worker-fleet.js';
import type { WorkerStats } from '../fleet/worker-protocol.js';
import type { CycleOutcome } from '../../core/cycle.js';
import type { AgentAbort, AgentRequest, SetupResult, ShareCycleResult } from './agent-protocol.js';
import type { PatternShare, ShareCycleRequest } from './pattern-share.js';

// The coordinator's handle on one agent that passed the handshake: a shard runner whose requests go over
// the agent's WebSocket (the same requests a local worker gets over IPC). It keeps a ledger of what the
// agent did in the current scenario, for the report's per-agent figures.

/** Bound on an agent answering `setup`/`begin`/`stop`: it forks its local workers at most. */
const QUICK_REPLY_MS = 30_000;
/** Beyond a fill's own deadline: time for the last connects and the reply to cross the network. */
const REPLY_MARGIN_MS = 30_000;
/** A pattern's teardown closes whatever it still holds (a churn dialer's sockets at most): more than a quick reply. */
const RELEASE_MARGIN_MS = 30_000;

/** An agent's connection ended while it had work: the scenario's figures miss its share. */
export class AgentLostError extends Error {
  constructor(
    readonly agent: string,
    detail: string,
  ) {
    super(`agent ${agent} was lost: ${detail}`);
    this.name = 'AgentLostError';
  }
}

/** What one agent did over one scenario (reset at setup). */
export interface AgentLedger {
  /** Clients the agent was asked to hold per cycle (the largest share over the cycles). */
  clientsPerCycle: number;
  processes: number;
  cycles: number;
  attempted: number;
  failures: number;
  /** Sum of the fills' durations: connects / fill time is the agent's achieved connect rate. */
  fillMs: number;
  /** CPU time and wall time from setup to the last answer; peak RSS of the agent's processes. */
  cpuStartUs: number;
  cpuLastUs: number;
  startedAt: number;
  lastAt: number;
  peakRssBytes: number;
  /** The cycle (0-based) during which it was lost, when it was. */
  lostInCycle: number | null;
}

function emptyLedger(): AgentLedger {
  const now = Date.now();
  return {
    clientsPerCycle: 0,
    processes: 0,
    cycles: 0,
    attempted: 0,
    failures: 0,
    fillMs: 0,
    cpuStartUs: 0,
    cpuLastUs: 0,
    startedAt: now,
    lastAt: now,
    peakRssBytes: 0,
    lostInCycle: null,
  };
}

export class AgentConnection implements ShardRunner {
  /** The agent's processes are on another host: there is no local PID to sample. */
  readonly pid = 0;
  stats: WorkerStats = { cpuUserUs: 0, cpuSystemUs: 0, rssBytes: 0 };
  ledger: AgentLedger = emptyLedger();
  /** Why the connection ended (null while it is up). */
  lost: string | null = null;
  /** Set up for a scenario and not yet stopped: losing it now costs the scenario its share. */
  inScenario = false;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(
    readonly name: string,
    readonly agentId: string,
    readonly host: string,
    readonly address: string,
    private readonly socket: WebSocket,
  ) {}

  /** Called by the pool for every reply frame of this agent. */
  answer(message: { type: string; id?: unknown; result?: unknown; stats?: unknown; message?: unknown }): void {
    if (typeof message.id !== 'number') return;
    const waiter = this.pending.get(message.id);
    if (waiter === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.type === 'failed') {
      waiter.reject(new Error(`agent ${this.name}: ${String(message.message)}`));
      return;
    }
    this.stats = message.stats as WorkerStats;
    // The ledger covers the scenario, setup to the last release: the answer to `stop` is after it.
    if (!this.inScenario) {
      waiter.resolve(message.result);
      return;
    }
    this.ledger.cpuLastUs = this.stats.cpuUserUs + this.stats.cpuSystemUs;
    this.ledger.lastAt = Date.now();
    this.ledger.peakRssBytes = Math.max(this.ledger.peakRssBytes, this.stats.rssBytes);
    waiter.resolve(message.result);
  }

  /** Called by the pool when the socket closed: everything pending fails with the agent named. */
  closed(detail: string, cycle: number | null): void {
    if (this.lost !== null) return;
    this.lost = detail;
    if (this.inScenario) this.ledger.lostInCycle = Math.max(0, cycle ?? 0);
    for (const [, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new AgentLostError(this.name, detail));
    }
    this.pending.clear();
  }

  /** The cycle the agent is in (the count of `begin`s), for marking where it was lost. */
  get cycle(): number {
    return this.ledger.cycles - 1;
  }

  send(message: AgentRequest | AgentAbort | { type: 'bye' }): void {
    if (this.lost === null) this.socket.send(JSON.stringify(message));
  }

  private request<T>(message: AgentRequest, timeoutMs: number): Promise<T> {
    if (this.lost !== null) return Promise.reject(new AgentLostError(this.name, this.lost));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(message.id);
        reject(new AgentLostError(this.name, `it did not answer ${message.type} within ${timeoutMs} ms`));
        this.socket.terminate();
      }, timeoutMs);
      this.pending.set(message.id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.send(message);
    });
  }

  private id(): number {
    return this.nextId++;
  }

  /** Starts the agent's local workers for a scenario; resets the ledger. */
  async setup(options: HeldClientsOptions, capacity: number, perProcess: number): Promise<SetupResult> {
    this.ledger = emptyLedger();
    this.inScenario = true;
    const result = await this.request<SetupResult>(
      { type: 'setup', id: this.id(), options, capacity, perProcess },
      QUICK_REPLY_MS,
    );
    this.ledger.cpuStartUs = this.stats.cpuUserUs + this.stats.cpuSystemUs;
    this.ledger.startedAt = Date.now();
    this.ledger.processes = result.processes;
    return result;
  }

  async begin(rate: number): Promise<void> {
    this.ledger.cycles++;
    await this.request({ type: 'begin', id: this.id(), rate }, QUICK_REPLY_MS);
  }

  async fill(request: FillRequest, signal: AbortSignal): Promise<FillResult> {
    const onAbort = (): void => this.send({ type: 'abort' });
    signal.addEventListener('abort', onAbort, { once: true });
    this.ledger.clientsPerCycle = Math.max(this.ledger.clientsPerCycle, request.count);
    try {
      const result = await this.request<FillResult>(
        { type: 'fill', id: this.id(), request },
        Math.max(0, request.deadlineMs - Date.now()) + REPLY_MARGIN_MS,
      );
      this.ledger.attempted += result.tally.attempted;
      this.ledger.failures += result.tally.failures;
      this.ledger.fillMs += result.fillMs;
      return result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  release(timeoutMs: number): Promise<ReleaseResult> {
    return this.request<ReleaseResult>({ type: 'release', id: this.id() }, timeoutMs);
  }

  /** Starts this agent's share of a pattern for a scenario (cycles split over agents); resets the ledger. */
  async startPattern(share: PatternShare): Promise<void> {
    this.ledger = emptyLedger();
    this.inScenario = true;
    await this.request({ type: 'pattern', id: this.id(), share }, QUICK_REPLY_MS);
    this.ledger.cpuStartUs = this.stats.cpuUserUs + this.stats.cpuSystemUs;
    this.ledger.startedAt = Date.now();
    // The pattern runs in the agent's own process.
    this.ledger.processes = 1;
  }

  /**
   * Runs this agent's share of one cycle; `extraMs` is what the pattern's cycle takes beyond its deadline
   * (clients waited on to expire). The abort signal stops the agent starting operations.
   */
  async runCycleShare(request: ShareCycleRequest, extraMs: number, signal: AbortSignal): Promise<CycleOutcome> {
    const onAbort = (): void => this.send({ type: 'abort' });
    signal.addEventListener('abort', onAbort, { once: true });
    this.ledger.cycles++;
    this.ledger.clientsPerCycle = Math.max(this.ledger.clientsPerCycle, request.operations);
    try {
      const result = await this.request<ShareCycleResult>(
        { type: 'cycle', id: this.id(), request },
        request.remainingMs + extraMs + REPLY_MARGIN_MS,
      );
      this.ledger.attempted += result.outcome.operations;
      this.ledger.failures += result.outcome.failures;
      this.ledger.fillMs += result.elapsedMs;
      return result.outcome;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Lets go of everything the agent's pattern holds; the agent stays for the next scenario. */
  async teardownPattern(): Promise<void> {
    if (this.lost !== null) return;
    this.inScenario = false;
    await this.request({ type: 'teardown', id: this.id() }, QUICK_REPLY_MS + RELEASE_MARGIN_MS).catch(() => undefined);
  }

  /** Ends the scenario on the agent: its local workers stop and their sockets close. The agent stays for the next one. */
  async stop(): Promise<void> {
    if (this.lost !== null) return;
    this.inScenario = false;
    await this.request({ type: 'stop', id: this.id() }, QUICK_REPLY_MS).catch(() => undefined);
  }

  /** Tells the agent the run is over (it exits 0) and closes the connection. */
  bye(): void {
    this.send({ type: 'bye' });
    this.socket.close(1000, 'run over');
  }
}
