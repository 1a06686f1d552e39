import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { runOperations, OperationFailure } from '../../../src/load/pacing/run-operations.js';
import { isAbrupt } from '../../../src/patterns/connect-churn.js';
import { tcpConnectClose } from '../../../src/load/checks/tcp-check.js';

test('isAbrupt spreads the abrupt share evenly and exactly', () => {
  for (const share of [0, 0.25, 0.5, 0.7, 1]) {
    const abrupt = Array.from({ length: 1000 }, (_, i) => isAbrupt(i, share)).filter(Boolean).length;
    assert.equal(abrupt, Math.round(1000 * share));
  }
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => isAbrupt(i, 0.5)),
    [false, true, false, true],
  );
});

test('runOperations: bounded concurrency, failures tallied by kind, stops at the deadline and on abort', async () => {
  let inFlight = 0;
  let peak = 0;
  const tally = await runOperations(50, 4, Date.now() + 60_000, new AbortController().signal, async (index) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight--;
    if (index % 10 === 0) throw new OperationFailure('boom');
  });
  assert.equal(tally.attempted, 50);
  assert.equal(peak, 4);
  assert.deepEqual(tally.failureKinds, { boom: 5 });

  const expired = await runOperations(50, 4, Date.now() - 1, new AbortController().signal, async () => undefined);
  assert.equal(expired.attempted, 0);
  assert.equal(expired.timedOut, true);

  const controller = new AbortController();
  const aborted = await runOperations(50, 1, Date.now() + 60_000, controller.signal, async (index) => {
    if (index === 9) controller.abort();
  });
  assert.equal(aborted.attempted, 10);
});

test('tcpConnectClose opens and closes a real connection, both ways out', async () => {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await tcpConnectClose('127.0.0.1', port, 'close', 2000);
  await tcpConnectClose('127.0.0.1', port, 'reset', 2000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(accepted, 2);
  server.close();
  await assert.rejects(tcpConnectClose('127.0.0.1', port, 'close', 2000), /ECONNREFUSED/);
});
