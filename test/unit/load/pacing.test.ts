import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnoseRate, inFlightWithinBacklog, runPaced } from '../../../src/load/pacing/pacing.js';
import { OperationFailure } from '../../../src/load/pacing/run-operations.js';

test('runPaced holds an asked rate: starts spread over time, not all at once', async () => {
  const starts: number[] = [];
  const rate = 200;
  const tally = await runPaced(40, rate, 10, Date.now() + 10_000, new AbortController().signal, async () => {
    starts.push(Date.now());
  });
  assert.equal(tally.attempted, 40);
  const span = (starts.at(-1) as number) - (starts[0] as number);
  // 40 starts at 200/s are due over 195 ms: never earlier than the schedule allows (a late timer only delays).
  assert.ok(span >= (40 - 1) * (1000 / rate) - 5, `span ${span} ms`);
});

test('runPaced keeps in flight within the bound, tallies failures, stops at the deadline', async () => {
  let inFlight = 0;
  let peak = 0;
  const tally = await runPaced(60, Infinity, 7, Date.now() + 10_000, new AbortController().signal, async (index) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    inFlight--;
    if (index % 20 === 0) throw new OperationFailure('refused');
  });
  assert.equal(tally.attempted, 60);
  assert.equal(peak, 7);
  assert.equal(tally.peakInFlight, 7);
  assert.deepEqual(tally.failureKinds, { refused: 3 });
  const late = await runPaced(1000, 10, 5, Date.now() + 150, new AbortController().signal, async () => undefined);
  assert.ok(late.timedOut && late.attempted < 10, `attempted ${late.attempted}`);
});

test('in flight never more than the broker backlog takes', () => {
  assert.equal(inFlightWithinBacklog(500), 100);
  assert.equal(inFlightWithinBacklog(20), 20);
  assert.equal(inFlightWithinBacklog(500, 4096), 500);
});

test("diagnoseRate names what held a rate back from both processes' CPU", () => {
  assert.equal(diagnoseRate({ asked: 1000, achieved: 990, generatorCpu: [0.3], brokerCpu: 0.2 }).bound, 'held');
  assert.equal(
    diagnoseRate({ asked: 20_000, achieved: 9000, generatorCpu: [0.99], brokerCpu: 0.4 }).bound,
    'generator-bound',
  );
  const broker = diagnoseRate({ asked: 20_000, achieved: 9000, generatorCpu: [0.5, 0.45], brokerCpu: 0.98 });
  assert.equal(broker.bound, 'broker-bound');
  assert.match(broker.message, /9,000\/s of 20,000\/s asked.*mqleak 50% \+ 45% of a core, broker 98%/);
  assert.equal(
    diagnoseRate({ asked: Infinity, achieved: 9000, generatorCpu: [0.95], brokerCpu: 0.97 }).bound,
    'machine-bound',
  );
  assert.equal(
    diagnoseRate({ asked: 20_000, achieved: 900, generatorCpu: [0.1], brokerCpu: null }).bound,
    'latency-bound',
  );
});
