import net from 'node:net';
import { OperationFailure } from './run-operations.js';

export type TcpCloseMode = 'close' | 'reset';

/** One health check: open a TCP connection to the port, then close it (FIN) or reset it (RST). No MQTT. */
export function tcpConnectClose(host: string, port: number, mode: TcpCloseMode, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OperationFailure('timeout', `no TCP connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      if (mode === 'reset') {
        socket.resetAndDestroy();
        resolve();
        return;
      }
      socket.once('close', () => resolve());
      socket.end();
      // The broker may keep its side open waiting for CONNECT: our FIN is the health check's close.
      socket.destroySoon();
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
export function tcpHold(host: string, port: number, bytes: Buffer | null, holdMs: number, connectTimeoutMs: number): Promise<{ end: HoldEnd; ms: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let connectedAt = 0;
    let end: HoldEnd | null = null;
    const finish = (how: HoldEnd): void => {
      if (end !== null) return;
      end = how;
      clearTimeout(timer);
      const ms = Date.now() - connectedAt;
      socket.destroy();
      resolve({ end: how, ms });
    };
    let timer = setTimeout(() => {
      socket.destroy();
      reject(new OperationFailure('timeout', `no TCP connection within ${connectTimeoutMs} ms`));
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
    socket.once('connect', () => {
      connectedAt = Date.now();
      clearTimeout(timer);
      timer = setTimeout(() => finish('gave-up'), holdMs);
      if (bytes !== null) socket.write(bytes);
    });
  });
}
