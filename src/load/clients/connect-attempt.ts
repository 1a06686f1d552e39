import mqttPacket, { type Packet } from 'mqtt-packet';
import type { TransportSettings } from '../../net/broker-address.js';
import { OperationFailure } from '../pacing/run-operations.js';
import { dial } from '../../net/transport.js';

/**
 * What a broker did with a CONNECT: answered it (CONNACK, MQTT 5 DISCONNECT), closed or reset the connection, or
 * nothing in time.
 */
export type ConnectAnswer =
  | { kind: 'connack'; code: number }
  | { kind: 'disconnect'; code: number }
  | { kind: 'closed' }
  | { kind: 'reset' }
  | { kind: 'timeout' };

/** How long to wait for the broker's close after it refused a CONNECT before closing from our side. */
const CLOSE_AFTER_REFUSAL_MS = 1000;

function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** `connack-0x87`, `disconnect-0x82`, `closed`, `reset`, `timeout`: an answer as a report names it. */
export function answerName(answer: ConnectAnswer): string {
  if (answer.kind === 'connack' || answer.kind === 'disconnect') return `${answer.kind}-${hex(answer.code)}`;
  return answer.kind;
}

/**
 * Sends `bytes` (a CONNECT, well-formed or not) on a new connection and waits for what the broker does.
 * An accepted connection (CONNACK 0) is closed with DISCONNECT, so a will in it is not published;
 * a refused one is left for the broker to close (bounded), as a client would. Connection errors
 * before the TCP connection (ECONNREFUSED) are failures, not answers.
 */
export function attemptConnect(
  host: string,
  port: number,
  bytes: Buffer,
  parseVersion: 4 | 5,
  timeoutMs: number,
  transport?: TransportSettings,
): Promise<ConnectAnswer> {
  return new Promise((resolve, reject) => {
    const link = dial(host, port, transport);
    const socket = link.stream;
    const parser = mqttPacket.parser({ protocolVersion: parseVersion });
    let connected = false;
    let answer: ConnectAnswer | null = null;
    let timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      link.tcp.destroy();
      resolve(answer ?? { kind: 'timeout' });
    };
    function settle(first: ConnectAnswer): void {
      if (answer !== null) return;
      answer = first;
      clearTimeout(timer);
      if (first.kind === 'connack' && first.code === 0) {
        // Accepted: leave politely (DISCONNECT cancels a will), then close.
        link.end(mqttPacket.generate({ cmd: 'disconnect' }, { protocolVersion: parseVersion }));
        timer = setTimeout(finish, CLOSE_AFTER_REFUSAL_MS);
        return;
      }
      if (first.kind === 'connack' || first.kind === 'disconnect') {
        timer = setTimeout(finish, CLOSE_AFTER_REFUSAL_MS);
        return;
      }
      finish();
    }
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected) {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
        return;
      }
      settle(error.code === 'ECONNRESET' ? { kind: 'reset' } : { kind: 'closed' });
      if (answer !== null) finish();
    });
    socket.on('close', () => {
      if (!connected) {
        clearTimeout(timer);
        reject(new OperationFailure('closed-before-connect', 'the connection closed before it was established'));
        return;
      }
      settle({ kind: 'closed' });
      finish();
    });
    parser.on('packet', (packet: Packet) => {
      if (packet.cmd === 'connack')
        settle({ kind: 'connack', code: (parseVersion === 5 ? packet.reasonCode : packet.returnCode) ?? 0 });
      else if (packet.cmd === 'disconnect') settle({ kind: 'disconnect', code: packet.reasonCode ?? 0 });
    });
    parser.on('error', () => settle({ kind: 'closed' }));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    link.onOpen(() => {
      connected = true;
      socket.write(bytes);
    });
  });
}
