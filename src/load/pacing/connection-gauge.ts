import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

// How many client connections mqleak holds open right now, for the live progress line. Counted
// from Node's own `net.client.socket` channel, which every outgoing TCP socket (MQTT, bare TCP,
// TLS and WebSocket underneath) is announced on: no client code has to report to it. The listeners
// are two shared functions, not closures per socket: a crowd of idle sessions pays a few bytes each.

let connected = 0;
let subscribed = false;
/** Set on a socket once its connection counted, so its close uncounts it exactly once. */
const COUNTED = Symbol('mqleak.connectionCounted');

type Tracked = Socket & { [COUNTED]?: boolean };

function onConnect(this: Tracked): void {
  if (this[COUNTED] === true) return;
  this[COUNTED] = true;
  connected++;
}

function onClose(this: Tracked): void {
  if (this[COUNTED] !== true) return;
  this[COUNTED] = false;
  connected--;
}

function track(message: unknown): void {
  const socket = (message as { socket?: Tracked }).socket;
  if (socket === undefined) return;
  socket.on('connect', onConnect);
  socket.on('close', onClose);
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
