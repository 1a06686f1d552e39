import { randomBytes } from 'node:crypto';
import type { TransportSettings } from '../../net/broker-address.js';
import { OperationFailure } from '../pacing/run-operations.js';
import { dial, MQTT_SUBPROTOCOL } from '../../net/transport.js';

// What load balancers and half-configured clients do to a broker's WebSocket port, spoken as raw HTTP
// (over TLS for wss://) so that the broker's exact answer is seen: an upgrade closed as soon as it is
// granted, an upgrade asking for a subprotocol that is not MQTT, a plain HTTP GET as health checks send.

export const WS_CHECKS = ['upgrade-close', 'upgrade-refused', 'http-get'] as const;
export type WsCheck = (typeof WS_CHECKS)[number];

/** The subprotocol of an upgrade the broker should refuse: anything but `mqtt` (MQTT 3.1.1 §6, MQTT 5 §6). */
const WRONG_SUBPROTOCOL = 'not-mqtt';
/** An HTTP answer's status line is short; more bytes without one is not HTTP. */
const MAX_STATUS_LINE = 1024;

function requestFor(check: WsCheck, host: string, port: number, path: string): Buffer {
  const hostHeader = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (check === 'http-get') {
    return Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: ` +
        `ELB-HealthChecker/2.0\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    );
  }
  const subprotocol = check === 'upgrade-refused' ? WRONG_SUBPROTOCOL : MQTT_SUBPROTOCOL;
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: ` +
      `13\r\nSec-WebSocket-Protocol: ${subprotocol}\r\n\r\n`,
  );
}

/**
 * One WebSocket-port check: sends the request, reads the broker's status line and closes (FIN) at once,
 * as a load balancer does once it has its answer. Resolves with the answer: `http-101`, `http-400` ...,
 * `closed` or `reset` (the broker hung up without a status), `gave-up` (nothing within `holdMs`).
 */
export function webSocketCheck(
  host: string,
  port: number,
  transport: TransportSettings,
  check: WsCheck,
  holdMs: number,
  connectTimeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const link = dial(host, port, transport, { belowWebSocket: true });
    const socket = link.stream;
    let received = '';
    let settled = false;
    const finish = (answer: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      link.end();
      setImmediate(() => link.tcp.destroy());
      resolve(answer);
    };
    let timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      link.tcp.destroy();
      reject(new OperationFailure('timeout', `no connection within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!link.opened) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        link.tcp.destroy();
        reject(error);
        return;
      }
      finish(error.code === 'ECONNRESET' ? 'reset' : 'closed');
    });
    socket.on('close', () => finish('closed'));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (match?.[1] !== undefined) finish(`http-${match[1]}`);
      else if (received.includes('\r\n') || received.length > MAX_STATUS_LINE) finish('non-http-bytes');
    });
    link.onOpen(() => {
      clearTimeout(timer);
      timer = setTimeout(() => finish('gave-up'), holdMs);
      socket.write(requestFor(check, host, port, transport.path === '' ? '/' : transport.path));
    });
  });
}
