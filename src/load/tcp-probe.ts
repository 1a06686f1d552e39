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
