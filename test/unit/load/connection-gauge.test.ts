import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { connectedClients, watchConnections } from '../../../src/load/pacing/connection-gauge.js';

const SOCKETS = 60;

async function until(condition: () => boolean): Promise<void> {
  // Bounded: a close reaches the client within a few event-loop turns on loopback.
  for (let turn = 0; turn < 200 && !condition(); turn++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('the connection gauge counts connected client sockets and uncounts every way they close', async () => {
  watchConnections();
  const server = net.createServer((socket) => socket.on('error', () => undefined));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const base = connectedClients();
  try {
    const sockets = await Promise.all(
      Array.from({ length: SOCKETS }, async () => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        return socket;
      }),
    );
    assert.equal(connectedClients() - base, SOCKETS);
    // A third ends politely (FIN), a third is reset (RST), a third is destroyed.
    for (const [i, socket] of sockets.entries()) {
      if (i % 3 === 0) socket.end();
      else if (i % 3 === 1) socket.resetAndDestroy();
      else socket.destroy();
    }
    await until(() => connectedClients() === base);
    assert.equal(connectedClients(), base, 'every close uncounted once');

    // One that never connects (nothing listens there) is never counted, and its close takes nothing off.
    const refused = net.connect({ host: '127.0.0.1', port: 1 });
    await new Promise((resolve) => {
      refused.on('error', () => undefined);
      refused.on('close', resolve);
    });
    assert.equal(connectedClients(), base);
  } finally {
    server.close();
  }
});
