// An agent's local workers answer as one shard runner: a fill of [offset, offset + count) is split over
// them without gaps or overlaps (client ids and subscriber indices stay global), and their counts add up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FillRequest, FillResult, ReleaseResult } from '../../../src/load/clients/held-clients.js';
import { ShardGroup } from '../../../src/load/fleet/shard-group.js';
import type { ShardRunner } from '../../../src/load/fleet/worker-fleet.js';

class RecordingShard implements ShardRunner {
  fills: FillRequest[] = [];
  rates: number[] = [];
  constructor(
    readonly pid: number,
    readonly stats = { cpuUserUs: 10, cpuSystemUs: 5, rssBytes: 1000 },
  ) {}
  async begin(rate: number): Promise<void> {
    this.rates.push(rate);
  }
  async fill(request: FillRequest): Promise<FillResult> {
    this.fills.push(request);
    return {
      tally: { attempted: request.count, failures: 1, failureKinds: { ECONNRESET: 1 }, timedOut: false },
      held: request.count - 1,
      fillMs: 100 * this.pid,
    };
  }
  async release(): Promise<ReleaseResult> {
    return { published: 2, delivered: 3, subscribesSent: 1, subacks: 1, connected: 10, dropped: 0 };
  }
  async stop(): Promise<void> {}
}

test('a fill split over local shards: contiguous global indices, shares of rate and concurrency, sums', async () => {
  const shards = [new RecordingShard(1), new RecordingShard(2), new RecordingShard(3)];
  const group = new ShardGroup(shards);
  await group.begin(90);
  assert.deepEqual(
    shards.map((shard) => shard.rates[0]),
    [30, 30, 30],
  );
  const result = await group.fill(
    { offset: 1000, count: 10, concurrency: 30, rate: 600, deadlineMs: 0 },
    new AbortController().signal,
  );
  const parts = shards.map((shard) => shard.fills[0] as FillRequest);
  assert.deepEqual(
    parts.map((part) => [part.offset, part.count]),
    [
      [1000, 4],
      [1004, 3],
      [1007, 3],
    ],
  );
  assert.deepEqual(
    parts.map((part) => part.rate),
    [240, 180, 180],
  );
  assert.equal(result.tally.attempted, 10);
  assert.equal(result.tally.failures, 3);
  assert.deepEqual(result.tally.failureKinds, { ECONNRESET: 3 });
  assert.equal(result.held, 7);
  assert.equal(result.fillMs, 300, 'the slowest shard decides the fill time');
  assert.deepEqual(await group.release(1000), {
    published: 6,
    delivered: 9,
    subscribesSent: 3,
    subacks: 3,
    connected: 30,
    dropped: 0,
  });
});

test("the agent's stats count each process once", () => {
  const group = new ShardGroup([new RecordingShard(7), new RecordingShard(7), new RecordingShard(8)]);
  assert.deepEqual(group.stats, { cpuUserUs: 20, cpuSystemUs: 10, rssBytes: 2000 });
});
