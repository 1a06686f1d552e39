// The protocol-errors client's answers, from a real local TCP peer: a packet named by its code, a close,
// or silence. No broker: the peer writes the bytes a broker would.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { RawExchange } from '../../../src/patterns/shared/raw-exchange.js';

async function peer(onData: (socket: net.Socket, chunk: Buffer) => void): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => onData(socket, chunk));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

test('a CONNACK is named by its code, a SUBACK by its last code, a 5.0 DISCONNECT by its reason', async () => {
  const replies = [
    Buffer.from([0x20, 0x02, 0x00, 0x05]),
    Buffer.from([0x90, 0x04, 0x00, 0x01, 0x00, 0x80]),
    Buffer.from([0xe0, 0x01, 0x81]),
  ];
  const server = await peer((socket) => socket.write(Buffer.concat(replies)));
  const exchange = await RawExchange.open('127.0.0.1', server.port, undefined, 5, 1000);
  exchange.write(Buffer.from([0xc0, 0x00]));
  assert.equal(await exchange.next(0, 1000), 'connack-0x05');
  assert.equal(await exchange.next(1, 1000), 'suback-0x80');
  assert.equal(await exchange.next(2, 1000), 'disconnect-0x81');
  exchange.destroy();
  server.close();
});

test('a close is `closed`; nothing within the time is `silence`', async () => {
  const closing = await peer((socket) => socket.end());
  const a = await RawExchange.open('127.0.0.1', closing.port, undefined, 4, 1000);
  a.write(Buffer.from([0x00]));
  assert.equal(await a.next(0, 1000), 'closed');
  a.destroy();
  closing.close();
  const quiet = await peer(() => undefined);
  const b = await RawExchange.open('127.0.0.1', quiet.port, undefined, 4, 1000);
  b.write(Buffer.from([0x10]));
  assert.equal(await b.next(0, 50), 'silence');
  b.destroy();
  quiet.close();
});
