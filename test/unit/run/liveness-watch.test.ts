// The liveness watch against real sockets on 127.0.0.1 (no broker load): a peer that answers CONNACK and
// PINGRESP keeps it quiet; a listener that never speaks, or that stops answering PINGREQ, is named within the
// bound it was given. Small bounds here; the run uses ANSWER_BOUND_MS (silent-broker.test.ts proves that one).
import assert from 'node:assert/strict';
import type net from 'node:net';
import { test } from 'node:test';
import type { MqleakError } from '../../../src/core/errors.js';
import { startLivenessWatch } from '../../../src/run/liveness-watch.js';
import { startTcpPeer } from '../../helpers/brokers.js';

const BOUND_MS = 600;
const PING_MS = 150;

/** A peer speaking just enough MQTT: CONNACK to CONNECT, PINGRESP to PINGREQ while `answering()`. */
function answeringPeer(answering: () => boolean): (socket: net.Socket) => void {
  return (socket) => {
    socket.on('data', (chunk: Buffer) => {
      if (!answering()) return;
      if (chunk[0] === 0x10) socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      if (chunk.includes(0xc0)) socket.write(Buffer.from([0xd0, 0x00]));
    });
  };
}

function watchUntil(port: number, waitMs: number): Promise<MqleakError | null> {
  return new Promise((resolve) => {
    const watch = startLivenessWatch(
      { url: `mqtt://127.0.0.1:${port}`, host: '127.0.0.1', port },
      null,
      undefined,
      (failure) => {
        watch.stop();
        resolve(failure);
      },
      BOUND_MS,
      PING_MS,
    );
    setTimeout(() => {
      watch.stop();
      resolve(watch.failure);
    }, waitMs);
  });
}

test('a peer that answers: no failure over several bounds', async () => {
  const peer = await startTcpPeer(answeringPeer(() => true));
  try {
    assert.equal(await watchUntil(peer.port, BOUND_MS * 4), null);
  } finally {
    await peer.close();
  }
});

test('a listener that accepts and never speaks: "no CONNACK" within the bound', async () => {
  const peer = await startTcpPeer(() => undefined);
  try {
    const started = Date.now();
    const failure = await watchUntil(peer.port, BOUND_MS * 6);
    assert.ok(failure !== null, 'the silence was named');
    assert.equal(failure.kind, 'target');
    assert.match(failure.message, /stopped answering: no CONNACK within \d+ s \(bound 0\.6 s\); process not watched/);
    assert.ok(Date.now() - started < BOUND_MS * 6);
  } finally {
    await peer.close();
  }
});

test('a peer that stops answering PINGREQ: "no PINGRESP" named', async () => {
  let answering = true;
  const peer = await startTcpPeer(answeringPeer(() => answering));
  setTimeout(() => {
    answering = false;
  }, BOUND_MS);
  try {
    const failure = await watchUntil(peer.port, BOUND_MS * 6);
    assert.match(failure?.message ?? '', /no PINGRESP/);
  } finally {
    await peer.close();
  }
});

test('a refused CONNECT (return code 5): the watch is off, no failure, no redialling storm', async () => {
  let connects = 0;
  const peer = await startTcpPeer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      if (chunk[0] !== 0x10) return;
      connects++;
      socket.end(Buffer.from([0x20, 0x02, 0x00, 0x05]));
    });
  });
  try {
    assert.equal(await watchUntil(peer.port, BOUND_MS * 4), null);
    assert.equal(connects, 1);
  } finally {
    await peer.close();
  }
});
