import type { FillRequest, FillResult, ReleaseResult } from '../clients/held-clients.js';
import { sumReleases } from '../clients/held-clients.js';
import { sumTallies } from '../pacing/run-operations.js';
import type { ShardRunner } from './worker-fleet.js';
import type { WorkerStats } from './worker-protocol.js';
import { shareOf, splitClients } from './worker-split.js';

// Several shard runners answering as one: a remote agent's local worker processes. A fill of `count`
// clients from `offset` is split over them as evenly as worker-split does for the coordinator, each
// keeping the global client indices (ids, subscribers) of its part.

export class ShardGroup {
  constructor(readonly shards: readonly ShardRunner[]) {}

  get stats(): WorkerStats {
    const total: WorkerStats = { cpuUserUs: 0, cpuSystemUs: 0, rssBytes: 0 };
    const seen = new Set<number>();
    for (const shard of this.shards) {
      if (seen.has(shard.pid)) continue; // the in-process shard and the agent itself are one process
      seen.add(shard.pid);
      total.cpuUserUs += shard.stats.cpuUserUs;
      total.cpuSystemUs += shard.stats.cpuSystemUs;
      total.rssBytes += shard.stats.rssBytes;
    }
    return total;
  }

  async begin(rate: number): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.begin(rate / this.shards.length)));
  }

  async fill(request: FillRequest, signal: AbortSignal): Promise<FillResult> {
    const split = splitClients(request.count, Math.ceil(request.count / this.shards.length));
    const fills = await Promise.all(
      split.map((part, i) =>
        (this.shards[i] as ShardRunner).fill(
          {
            offset: request.offset + part.offset,
            count: part.count,
            concurrency: Math.max(1, Math.round(shareOf(request.concurrency, part, request.count))),
            rate: shareOf(request.rate, part, request.count),
            deadlineMs: request.deadlineMs,
          },
          signal,
        ),
      ),
    );
    return {
      tally: sumTallies(fills.map((fill) => fill.tally)),
      held: fills.reduce((sum, fill) => sum + fill.held, 0),
      fillMs: Math.max(0, ...fills.map((fill) => fill.fillMs)),
    };
  }

  async release(timeoutMs: number): Promise<ReleaseResult> {
    return sumReleases(await Promise.all(this.shards.map((shard) => shard.release(timeoutMs))));
  }

  async stop(): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.stop()));
  }
}
