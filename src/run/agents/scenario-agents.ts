import { errorMessage, MqleakError } from '../../core/errors.js';
import type { AgentReport } from '../../core/report-model.js';
import type { DataIssue } from '../../core/verdict-types.js';
import type { HeldClientsOptions } from '../../load/clients/held-clients.js';
import type { AgentConnection } from '../../load/remote/agent-connection.js';
import type { AgentFleet } from '../../load/remote/agent-fleet.js';
import type { AgentPool } from '../../load/remote/agent-pool.js';
import type { ShardRunner } from '../../load/fleet/worker-fleet.js';
import type { PatternContext, PatternDefinition, PatternRun } from '../../patterns/pattern.js';
import { splitPatternRun } from './split-cycles.js';

// One scenario's agents: taken from the pool when the pattern starts, each set up for an equal share,
// reported on and given back when the scenario ends. Agents that join meanwhile wait in the pool.

/** CPU per agent process at or above this share of one core: the agent, not the broker, may have set the pace. */
export const AGENT_BUSY_CPU_SHARE = 0.9;

export class ScenarioAgents implements AgentFleet {
  private taken: AgentConnection[] = [];

  constructor(
    private readonly pool: AgentPool,
    readonly count: number,
    private readonly waitMs: number,
    private readonly signal: AbortSignal,
  ) {}

  /** Takes this scenario's agents from the pool; those that join later wait there for the next scenario. */
  private async take(): Promise<void> {
    try {
      this.taken = await this.pool.take(this.count, this.waitMs, this.signal);
    } catch (error) {
      throw new MqleakError(
        'internal',
        `--agents ${this.count}: ${errorMessage(error)}`,
        'an agent left between scenarios: restart it (`mqleak agent …`) or raise --agents-wait',
      );
    }
  }

  /**
   * Starts a pattern whose cycles split (`splitsCycles`) on every agent: each with its own run token (its client
   * ids and topics never meet another agent's) and its share of the parameters.
   */
  async startSplit(pattern: PatternDefinition, context: PatternContext): Promise<PatternRun> {
    await this.take();
    const params = pattern.splitsCycles?.shareParams?.(context.params, 1 / this.count) ?? context.params;
    const starts = await Promise.allSettled(
      this.taken.map((agent, k) =>
        agent.startPattern({
          pattern: pattern.name,
          params,
          broker: context.broker,
          runToken: `${context.runToken}a${k}`,
          ...(context.credentials === undefined ? {} : { credentials: context.credentials }),
        }),
      ),
    );
    const failed = starts.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    const run = splitPatternRun(this.taken, pattern.extraCycleMs?.(context.params) ?? 0, context.signal);
    if (failed !== undefined) {
      await run.teardown();
      throw failed.reason;
    }
    return run;
  }

  async start(options: HeldClientsOptions, capacity: number, perProcess: number): Promise<ShardRunner[]> {
    await this.take();
    const share = Math.ceil(capacity / this.count);
    const setups = await Promise.allSettled(this.taken.map((agent) => agent.setup(options, share, perProcess)));
    const failed = setups.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return this.taken;
  }

  /** The agents lost during the scenario, as data issues that make it INCONCLUSIVE. */
  issues(): DataIssue[] {
    return this.taken
      .filter((agent) => agent.lost !== null && agent.ledger.lostInCycle !== null)
      .map((agent) => ({
        code: 'agent-lost',
        detail:
          `agent ${agent.name} was lost` +
          `${agent.ledger.lostInCycle === null ? '' : ` in cycle ${agent.ledger.lostInCycle + 1}`} ` +
          `(${agent.lost}): the cycle's operations miss its share`,
      }));
  }

  /** Each agent's part, for the report. */
  reports(): AgentReport[] {
    const clients = this.taken.reduce((sum, agent) => sum + agent.ledger.clientsPerCycle, 0);
    return this.taken.map((agent): AgentReport => {
      const { ledger } = agent;
      const wallUs = (ledger.lastAt - ledger.startedAt) * 1000;
      const cpuShare =
        wallUs > 0 && ledger.processes > 0 ? (ledger.cpuLastUs - ledger.cpuStartUs) / wallUs / ledger.processes : null;
      const connected = ledger.attempted - ledger.failures;
      return {
        name: agent.name,
        id: agent.agentId,
        host: agent.host,
        address: agent.address,
        share: clients > 0 ? ledger.clientsPerCycle / clients : 0,
        clientsPerCycle: ledger.clientsPerCycle,
        processes: ledger.processes,
        operations: ledger.attempted,
        failures: ledger.failures,
        connectsPerSecond: ledger.fillMs > 0 ? Math.round(connected / (ledger.fillMs / 1000)) : null,
        selfCheck: {
          peakRssBytes: ledger.peakRssBytes,
          cpuPct: cpuShare === null ? null : Math.round(cpuShare * 1000) / 10,
          status: agent.lost !== null ? 'lost' : cpuShare !== null && cpuShare >= AGENT_BUSY_CPU_SHARE ? 'busy' : 'ok',
        },
        lost: agent.lost,
        lostInCycle: ledger.lostInCycle,
      };
    });
  }

  /** The scenario is over: the agents still connected go back to the pool for the next one. */
  finish(): void {
    this.pool.giveBack(this.taken);
  }
}
