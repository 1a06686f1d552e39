import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

// How many connections mqleak's own process holds to the broker's port right now: the other side of
// the ghost-session count (the broker's own connection count minus this). Every outgoing TCP socket
// (MQTT, TLS and WebSocket underneath) is announced on Node's `net.client.socket` channel; the sockets
// are kept and asked at count time, not tracked by 'close' events, which a client that removes its
// listeners before destroying its socket would hide. Sockets to other ports (an HTTP probe's) are left out.

let sockets = new Set<Socket>();
let subscribed = false;

function track(message: unknown): void {
  const socket = (message as { socket?: Socket }).socket;
  if (socket !== undefined) sockets.add(socket);
}

/** Starts counting (idempotent); sockets opened before this are not seen, so call it before any load. */
export function watchHeldConnections(): void {
  if (subscribed) return;
  subscribed = true;
  diagnosticsChannel.subscribe('net.client.socket', track);
}

/** Connected sockets of this process to `port` (any host) now; closed ones are dropped from the set. */
export function heldConnections(port: number): number {
  let held = 0;
  const open = new Set<Socket>();
  for (const socket of sockets) {
    if (socket.destroyed || socket.closed) continue;
    open.add(socket);
    if (socket.remotePort === port && !socket.connecting) held++;
  }
  sockets = open;
  return held;
}
