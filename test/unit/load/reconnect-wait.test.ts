import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECONNECT_GROWTH, RECONNECT_WAIT_CAP_MS, ReconnectWait } from '../../../src/load/bridge/reconnect-wait.js';

test('the wait starts at the floor and follows an exponential backoff (8 s, 16 s, 32 s) up to the cap', () => {
  const wait = new ReconnectWait(30_000);
  assert.equal(wait.nextWaitMs(), 30_000);
  wait.observe(8000);
  assert.equal(wait.nextWaitMs(), 30_000, 'the floor while the delays are short');
  wait.observe(16_000);
  assert.equal(wait.nextWaitMs(), 16_000 * RECONNECT_GROWTH, 'room for the next doubling');
  wait.observe(240_000);
  assert.equal(wait.nextWaitMs(), RECONNECT_WAIT_CAP_MS);
  assert.match(wait.describeSeen(), /reconnect delays seen: 8\.0 s, 16\.0 s, 240\.0 s/);
});

test('a floor above the cap is kept (the user raised reconnectTimeoutSeconds)', () => {
  const wait = new ReconnectWait(600_000);
  wait.observe(1000);
  assert.equal(wait.nextWaitMs(), 600_000);
  assert.equal(new ReconnectWait(1000).describeSeen(), 'no reconnect seen yet');
});
