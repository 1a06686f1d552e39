// bridge-churn's parts: the message ledger, the restart hook (a real command, a real local HTTP server),
// the peer broker's drops and refusals (a real in-process Aedes and a raw MQTT client), and the rule that
// a scenario needing target setup runs only when named.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { isMqleakError } from '../../../src/core/errors.js';
import { decodeSeq, encodeSeq, FlowLedger } from '../../../src/load/bridge/flow-ledger.js';
import { RawMqttConnection } from '../../../src/load/clients/raw-mqtt-client.js';
import { fillPlaceholders, parseRestartHook, runRestartHook } from '../../../src/load/bridge/restart-hook.js';
import { bridgeChurn } from '../../../src/patterns/bridge-churn.js';
import { RUN_PARAMS } from '../../../src/scenario/run-params.js';
import { prepareRun } from '../../../src/run/run.js';
import { PeerBroker } from '../../../src/target/peer-broker.js';

function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a failure'),
    (error: unknown) => error,
  );
}

test('FlowLedger counts sent, delivered, lost, duplicated, outage and late messages per cycle', () => {
  const ledger = new FlowLedger();
  for (let i = 0; i < 10; i++) ledger.send();
  ledger.markOutage(3, 6); // 3, 4, 5 sent while the link was down
  for (const seq of [0, 1, 2, 2, 5, 6, 7, 8]) ledger.receive(seq);
  ledger.receive(42); // never sent: ignored
  ledger.receive(decodeSeq('not a number'));
  assert.equal(ledger.allExpectedArrived(), false, '9 was sent while up and has not arrived');
  ledger.receive(9);
  assert.equal(ledger.allExpectedArrived(), true, '3 and 4 were sent in the outage');
  assert.deepEqual(ledger.closeCycle(), {
    sent: 10,
    delivered: 8,
    lost: 2,
    sentInOutage: 3,
    lostInOutage: 2,
    duplicated: 1,
    late: 0,
  });
  ledger.send();
  ledger.receive(4); // lost last cycle, arrives now
  ledger.receive(10);
  assert.deepEqual(ledger.closeCycle(), {
    sent: 1,
    delivered: 1,
    lost: 0,
    sentInOutage: 0,
    lostInOutage: 0,
    duplicated: 0,
    late: 1,
  });
  assert.equal(decodeSeq(encodeSeq(123)), 123);
});

test('FlowLedger.waitFor resolves on the arrival that satisfies it, or false at the timeout', async () => {
  const ledger = new FlowLedger();
  ledger.send();
  ledger.send();
  const signal = new AbortController().signal;
  const waiting = ledger.waitFor(() => ledger.arrivedSince(1), 5000, signal);
  ledger.receive(0);
  ledger.receive(1);
  assert.equal(await waiting, true);
  assert.equal(await ledger.waitFor(() => ledger.arrivedSince(5), 20, signal), false);
});

test('restart hooks: a command, or METHOD URL with credentials turned into a Basic header', () => {
  assert.equal(parseRestartHook('  ', ''), null);
  assert.deepEqual(parseRestartHook('systemctl reload nanomq', ''), {
    kind: 'command',
    text: 'systemctl reload nanomq',
    command: 'systemctl reload nanomq',
  });
  const hook = parseRestartHook('post http://admin:p%40ss@127.0.0.1:8081/api/v4/bridges/emqx', '{"a":1}');
  assert.ok(hook !== null && hook.kind === 'http');
  assert.equal(hook.method, 'POST');
  assert.equal(hook.url.toString(), 'http://127.0.0.1:8081/api/v4/bridges/emqx');
  assert.equal(hook.authorization, `Basic ${Buffer.from('admin:p@ss').toString('base64')}`);
  assert.equal(
    fillPlaceholders('address {peerHost}:{peerPort} {other}', { peerHost: '127.0.0.1', peerPort: 1884 }),
    'address 127.0.0.1:1884 {other}',
  );
});

test('an HTTP restart hook sends its method, authorization and body; an HTTP error is a target failure', async () => {
  const seen: { method?: string; url?: string; authorization?: string; body: string }[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, body });
      response.statusCode = request.url === '/fail' ? 503 : 200;
      response.end(request.url === '/fail' ? 'bridge busy' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  try {
    const values = { peerHost: '127.0.0.1', peerPort: 1884 };
    const hook = parseRestartHook(
      fillPlaceholders(`PUT http://u:p@127.0.0.1:${port}/bridge/{peerPort}`, values),
      fillPlaceholders('{"server":"{peerHost}:{peerPort}"}', values),
    );
    assert.ok(hook !== null);
    await runRestartHook(hook, 5000);
    assert.deepEqual(seen[0], {
      method: 'PUT',
      url: '/bridge/1884',
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
      body: '{"server":"127.0.0.1:1884"}',
    });
    const failing = parseRestartHook(`POST http://127.0.0.1:${port}/fail`, '');
    assert.ok(failing !== null);
    const error = await failureOf(runRestartHook(failing, 5000));
    assert.ok(isMqleakError(error) && error.exitCode === 3);
    assert.match(error.message, /answered HTTP 503: bridge busy/);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a command restart hook: exit 0 is done, anything else a target failure with its last output', async () => {
  const ok = parseRestartHook('true', '');
  assert.ok(ok !== null);
  await runRestartHook(ok, 5000);
  const failing = parseRestartHook('echo bridge not found >&2; exit 7', '');
  assert.ok(failing !== null);
  const error = await failureOf(runRestartHook(failing, 5000));
  assert.ok(isMqleakError(error) && error.exitCode === 3);
  assert.match(error.message, /exited with code 7: bridge not found/);
});

test('the peer broker: accepts, drops, and refuses a client three ways (down, unavailable, close)', async () => {
  const peer = await PeerBroker.start('127.0.0.1', 0);
  const signal = new AbortController().signal;
  const connect = (id: string): Promise<RawMqttConnection> =>
    RawMqttConnection.connect({
      host: '127.0.0.1',
      port: peer.port,
      clientId: id,
      protocolVersion: 4,
      keepalive: 30,
      clean: true,
      timeoutMs: 2000,
    });
  try {
    assert.equal(peer.address, `127.0.0.1:${peer.port}`);
    const first = await connect('bridge-1');
    const accepted = await peer.waitForConnection(0, 2000, signal);
    assert.equal(accepted?.clientId, 'bridge-1');
    assert.equal(accepted?.generation, 1);
    const closed = new Promise<void>((resolve) => first.socket.once('close', () => resolve()));
    assert.equal(await peer.drop('close'), 1);
    await closed;
    assert.equal(peer.connectedCount, 0);

    await peer.refuse('unavailable');
    assert.equal(((await failureOf(connect('bridge-2'))) as { kind?: string }).kind, 'connack-3');
    await peer.refuse('close');
    assert.equal(((await failureOf(connect('bridge-3'))) as { kind?: string }).kind, 'closed-before-connack');
    assert.equal(peer.refusedAttempts, 2);
    await peer.refuse('down');
    assert.equal(((await failureOf(connect('bridge-4'))) as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    await peer.accept();
    await connect('bridge-5');
    assert.equal((await peer.waitForConnection(1, 2000, signal))?.clientId, 'bridge-5');
    assert.equal(await peer.waitForConnection(2, 50, signal), null, 'no newer connection');
    assert.equal(peer.tcpConnections, 4, 'every attempt but the one refused before TCP');
  } finally {
    await peer.close();
  }
});

test('bridge-churn refuses a topic prefix with wildcards before it listens', async () => {
  const defaults = Object.fromEntries(
    Object.entries({ ...RUN_PARAMS, ...bridgeChurn.params }).map(([name, spec]) => [name, spec.default]),
  );
  const error = await failureOf(
    bridgeChurn.start({
      broker: { url: 'mqtt://127.0.0.1:1', host: '127.0.0.1', port: 1 },
      params: { ...defaults, outTopic: 'mqleak/#' },
      signal: new AbortController().signal,
      runToken: 't',
    }),
  );
  assert.ok(isMqleakError(error) && error.exitCode === 64);
  assert.match(error.message, /outTopic 'mqleak\/#' is not a topic prefix/);
});

test('bridge-churn needs a bridge set up first: left out of the default set, run when named', async () => {
  const target = { broker: 'mqtt://127.0.0.1:1883' };
  const all = await prepareRun({ scenarios: [], quick: false, overrides: [], target });
  assert.ok(all.scenarios.length > 0);
  assert.ok(!all.scenarios.some((scenario) => scenario.name === 'bridge-churn'));
  const named = await prepareRun({ scenarios: ['bridge-churn'], quick: false, overrides: ['peerPort=1884'], target });
  assert.equal(named.scenarios[0]?.params.peerPort, 1884);
  assert.equal(named.scenarios[0]?.thresholds.rss, 4096);
});
