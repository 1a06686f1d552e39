import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

// How many client connections mqleak holds open right now, for the live progress line. Counted
// from Node's own `net.client.socket` channel, which every outgoing TCP socket (MQTT, bare TCP,
// TLS and WebSocket underneath) is announced on: no client code has to report to it.

let connected = 0;
let subscribed = false;

function track(message: unknown): void {
  const socket = (message as { socket?: Socket }).socket;
  if (socket === undefined) return;
  let counted = false;
  socket.once('connect', () => {
    counted = true;
    connected++;
  });
  socket.once('close', () => {
    if (counted) connected--;
    counted = false;
  });
}

/** Starts counting (idempotent); sockets created before this are not seen. */
export function watchConnections(): void {
  if (subscribed) return;
  subscribed = true;
  diagnosticsChannel.subscribe('net.client.socket', track);
}

/** Client sockets of this process that are connected now. */
export function connectedClients(): number {
  return connected;
}
