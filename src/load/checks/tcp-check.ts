import type { TransportSettings } from '../../net/broker-address.js';
import { OperationFailure } from '../pacing/run-operations.js';
import { dial } from '../../net/transport.js';

export type TcpCloseMode = 'close' | 'reset';

/**
 * One health check: open a TCP connection to the port, then close it (FIN) or reset it (RST). No MQTT.
 * On a TLS port (mqtts://, wss://) the connection is up after the TLS handshake, as a TLS health check
 * makes the broker do; on ws:// it stays below the HTTP upgrade, as a TCP health check does.
 */
export function tcpConnectClose(
  host: string,
  port: number,
  mode: TcpCloseMode,
  timeoutMs: number,
  transport?: TransportSettings,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const link = dial(host, port, transport, { belowWebSocket: true });
    const socket = link.stream;
    const timer = setTimeout(() => {
      socket.destroy();
      link.tcp.destroy();
      reject(
        new OperationFailure(
          'timeout',
          `no ${link.secure === undefined ? 'TCP connection' : 'TLS handshake'} within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
    link.onOpen(() => {
      clearTimeout(timer);
      if (mode === 'reset') {
        link.reset();
        resolve();
        return;
      }
      socket.once('close', () => resolve());
      // The broker may keep its side open waiting for CONNECT: our FIN is the health check's close.
      link.end();
    });
  });
}

/** How a held connection ended: the broker closed it (FIN) or reset it (RST), or we gave up waiting and closed it. */
export type HoldEnd = 'broker-closed' | 'broker-reset' | 'gave-up';

/**
 * Opens a TCP connection, sends `bytes` (nothing when null: the client stays silent) and holds the
 * connection until the broker closes it or `holdMs` passes, whichever comes first; then it is closed.
 * Resolves with who ended it and after how many ms (from the TCP connection).
 */
export function tcpHold(
  host: string,
  port: number,
  bytes: Buffer | null,
  holdMs: number,
  connectTimeoutMs: number,
  transport?: TransportSettings,
  /** ws://, wss://: send the bytes in a WebSocket frame (an MQTT packet cut short) instead of raw on the port (a health check). */
  overWebSocket = false,
): Promise<{ end: HoldEnd; ms: number }> {
  return new Promise((resolve, reject) => {
    // By default below the WebSocket layer: the bytes go where a CONNECT would on TCP and TLS, where the HTTP request
    // would on ws://.
    const link = dial(host, port, transport, { belowWebSocket: !overWebSocket });
    const socket = link.stream;
    let connectedAt = 0;
    let end: HoldEnd | null = null;
    const finish = (how: HoldEnd): void => {
      if (end !== null) return;
      end = how;
      clearTimeout(timer);
      const ms = Date.now() - connectedAt;
      socket.destroy();
      link.tcp.destroy();
      resolve({ end: how, ms });
    };
    let timer = setTimeout(() => {
      socket.destroy();
      link.tcp.destroy();
      reject(new OperationFailure('timeout', `no connection within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (connectedAt === 0) {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
        return;
      }
      finish(error.code === 'ECONNRESET' ? 'broker-reset' : 'broker-closed');
    });
    socket.on('end', () => finish('broker-closed'));
    socket.on('close', () => finish('broker-closed'));
    socket.on('data', () => undefined); // whatever the broker says to garbage, it is read and dropped
    link.onOpen(() => {
      connectedAt = Date.now();
      clearTimeout(timer);
      timer = setTimeout(() => finish('gave-up'), holdMs);
      if (bytes !== null) socket.write(bytes);
    });
  });
}
