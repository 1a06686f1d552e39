// Link.reset after the broker's FIN: node half-closes on its own (uv_shutdown), libuv then refuses the RST
// (uv_tcp_close_reset: EINVAL) and node never closed the handle: an fd per reset and a process that never
// exited (the protocol-errors exit hang). A local TCP server that closes every connection stands in for
// a broker refusing a case.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { dial } from '../../../src/net/transport.js';

const CONNECTIONS = 20;
/** Loopback closes take milliseconds; a leaked handle never closes. */
const CLOSE_BOUND_MS = 2000;

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

test('reset after the peer closed: every socket closes, no fd left behind', async () => {
  let serverClosed = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('close', () => serverClosed++);
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const before = openFds();
  let clientClosed = 0;
  try {
    for (let i = 0; i < CONNECTIONS; i++) {
      const link = dial('127.0.0.1', port, undefined);
      link.stream.on('error', () => {});
      link.tcp.once('close', () => clientClosed++);
      await new Promise<void>((resolve) => link.onOpen(resolve));
      await new Promise((resolve) => link.stream.once('end', resolve));
      // node's own end() after the peer's FIN runs a tick later: reset while that shutdown is under way.
      while (!link.tcp.writableEnded) await new Promise((resolve) => process.nextTick(resolve));
      assert.equal(link.tcp.destroyed, false, 'reset while the shutdown is pending');
      link.reset();
    }
    // Bounded: before the fix the leaked sockets never closed at all.
    const until = Date.now() + CLOSE_BOUND_MS;
    while ((clientClosed < CONNECTIONS || serverClosed < CONNECTIONS) && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(clientClosed, CONNECTIONS, 'every reset socket closed');
    const after = openFds();
    assert.ok(after <= before, `no more fds open than before the resets: ${before} → ${after}`);
  } finally {
    server.close();
  }
});

test('reset of a live connection is still an RST: the peer sees ECONNRESET', async () => {
  let peerError: string | undefined;
  const seen = new Promise<void>((resolve) => {
    const server = net.createServer((socket) => {
      socket.on('error', (error: NodeJS.ErrnoException) => {
        peerError = error.code;
      });
      socket.on('close', () => {
        server.close();
        resolve();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      const link = dial('127.0.0.1', port, undefined);
      link.onOpen(() => link.reset());
    });
  });
  await seen;
  assert.equal(peerError, 'ECONNRESET');
});
