import type { HeldClientsOptions } from '../clients/held-clients.js';
import type { ShardRunner } from '../fleet/worker-fleet.js';

// What a pattern sees of remote agents (`mqleak run --agents N`): shard runners, one per agent, in place
// of local worker processes. The run layer takes the agents from the pool and reports on them.

export interface AgentFleet {
  /** How many agents share the load. */
  readonly count: number;
  /**
   * Sets every agent up for this scenario: `capacity` clients at most per cycle over all of them (each
   * gets an equal share), `perProcess` the most per local process on an agent (0: from its own limit).
   */
  start(options: HeldClientsOptions, capacity: number, perProcess: number): Promise<ShardRunner[]>;
}
