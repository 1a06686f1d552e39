import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSourceIps } from '../../../src/cli/validate.js';
import { MqleakError } from '../../../src/core/errors.js';
import { sumReleases, type ReleaseResult } from '../../../src/load/clients/held-clients.js';
import { sumTallies } from '../../../src/load/pacing/run-operations.js';
import {
  LOOPBACK_PER_SOURCE,
  LOOPBACK_ROTATION,
  loopbackSource,
  MAX_CONNECTIONS_PER_SOURCE,
  planSourceAddresses,
  sourceFor,
} from '../../../src/load/fleet/source-addresses.js';
import {
  clientsPerProcess,
  MAX_WORKERS,
  openFilesLimit,
  shareOf,
  splitClients,
} from '../../../src/load/fleet/worker-split.js';

test('clientsPerProcess leaves spare fds under the open-files limit', () => {
  assert.equal(clientsPerProcess(20_000), 15_000);
  assert.equal(clientsPerProcess(1024), 768);
  assert.equal(clientsPerProcess(250), 50, 'a tiny limit still keeps 200 spare');
  assert.ok(clientsPerProcess(Infinity) >= 100_000);
});

test('splitClients: fewest shards under the cap, even, contiguous, covering every client once', () => {
  assert.deepEqual(splitClients(0, 10), []);
  assert.deepEqual(splitClients(10, 15_000), [{ worker: 0, offset: 0, count: 10 }]);
  const shards = splitClients(100_000, 15_000);
  assert.equal(shards.length, 7);
  assert.ok(shards.every((shard) => shard.count <= 15_000));
  assert.ok(
    Math.max(...shards.map((s) => s.count)) - Math.min(...shards.map((s) => s.count)) <= 1,
    'as even as possible',
  );
  let next = 0;
  for (const shard of shards) {
    assert.equal(shard.offset, next);
    next += shard.count;
  }
  assert.equal(next, 100_000);
  assert.deepEqual(
    splitClients(19_000, 15_000).map((s) => s.count),
    [9500, 9500],
  );
  assert.throws(() => splitClients(MAX_WORKERS * 10 + 1, 10), /at most 64/);
});

test('shareOf splits a rate or a concurrency in proportion, with a floor', () => {
  const [a, b] = splitClients(3, 2);
  assert.ok(a !== undefined && b !== undefined);
  assert.equal(shareOf(300, a, 3) + shareOf(300, b, 3), 300);
  assert.equal(shareOf(1, b, 3, 1), 1);
});

test('shard counts add up: tallies and release counts', () => {
  const tally = sumTallies([
    { attempted: 5, failures: 1, failureKinds: { timeout: 1 }, timedOut: false },
    { attempted: 7, failures: 2, failureKinds: { timeout: 1, ECONNRESET: 1 }, timedOut: true },
  ]);
  assert.deepEqual(tally, { attempted: 12, failures: 3, failureKinds: { timeout: 2, ECONNRESET: 1 }, timedOut: true });
  const one: ReleaseResult = {
    published: 10,
    delivered: 100,
    subscribesSent: 2,
    subacks: 2,
    connected: 50,
    dropped: 0,
  };
  assert.deepEqual(sumReleases([one, { ...one, dropped: 3, subscribesSent: 0, subacks: 0 }]), {
    published: 20,
    delivered: 200,
    subscribesSent: 2,
    subacks: 2,
    connected: 100,
    dropped: 3,
  });
});

test('openFilesLimit reads /proc/PID/limits', () => {
  assert.deepEqual(
    openFilesLimit(
      'Max processes 10 10 processes\nMax open files            1024                 4096                 files\n',
    ),
    { soft: 1024, hard: 4096 },
  );
  assert.deepEqual(openFilesLimit('Max open files unlimited unlimited files'), { soft: Infinity, hard: Infinity });
  assert.equal(openFilesLimit('nothing here'), null);
});

test(
  'source addresses: a loopback broker gets as many 127.x sources as it needs, each under ' + "one address's ports",
  () => {
    assert.equal(loopbackSource(0), '127.0.1.1');
    assert.equal(loopbackSource(253), '127.0.1.254');
    assert.equal(loopbackSource(254), '127.0.2.1');

    const small = planSourceAddresses('127.0.0.1', 100);
    assert.equal(small.perCycle, 1, 'bound even when one is enough');
    assert.equal(sourceFor(small.addresses, small.perCycle, 7), '127.0.1.1');
    const big = planSourceAddresses('127.0.0.1', 100_000);
    assert.equal(big.origin, 'loopback-spread');
    assert.equal(big.perCycle, Math.ceil(100_000 / LOOPBACK_PER_SOURCE));
    assert.equal(big.addresses.length, big.perCycle * LOOPBACK_ROTATION);
    assert.equal(new Set(big.addresses).size, big.addresses.length);
    const perAddress = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const source = sourceFor(big.addresses, big.perCycle, i, 0) as string;
      perAddress.set(source, (perAddress.get(source) ?? 0) + 1);
    }
    assert.equal(perAddress.size, big.perCycle);
    assert.ok([...perAddress.values()].every((n) => n <= LOOPBACK_PER_SOURCE));
    // The next cycle takes the next set (the last one's ports are in TIME_WAIT); after the rotation, the first again.
    const cycleSets = (cycle: number): Set<string> =>
      new Set(
        Array.from({ length: big.perCycle }, (_, i) => sourceFor(big.addresses, big.perCycle, i, cycle) as string),
      );
    assert.equal([...cycleSets(1)].filter((a) => cycleSets(0).has(a)).length, 0);
    assert.deepEqual(cycleSets(LOOPBACK_ROTATION), cycleSets(0));

    const given = planSourceAddresses('127.0.0.1', 100_000, ['10.0.0.5', '10.0.0.6']);
    assert.deepEqual(given, {
      addresses: ['10.0.0.5', '10.0.0.6'],
      perCycle: 2,
      capacity: 2 * MAX_CONNECTIONS_PER_SOURCE,
      origin: 'source-ip',
    });
    assert.equal(sourceFor(given.addresses, given.perCycle, 3, 5), '10.0.0.6', '--source-ip addresses every cycle');
    assert.deepEqual(planSourceAddresses('broker.example', 10).addresses, [], 'a remote broker: the kernel picks');
    assert.deepEqual(
      planSourceAddresses('localhost', 10).addresses,
      [],
      'a name may resolve to ::1: not bound to an IPv4 source',
    );
    assert.equal(sourceFor([], 0, 3), undefined);
  },
);

test('--source-ip: addresses only, each once; a bad one named in a usage error', () => {
  assert.deepEqual(parseSourceIps(['10.0.0.5', '10.0.0.6', '10.0.0.5', '::1']), ['10.0.0.5', '10.0.0.6', '::1']);
  assert.throws(
    () => parseSourceIps(['10.0.0.5', 'eth0']),
    (error: unknown) =>
      error instanceof MqleakError &&
      error.exitCode === 64 &&
      /--source-ip eth0: not an IP address/.test(error.message),
  );
});
