import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { TransportSettings } from '../../net/broker-address.js';
import { OperationFailure } from '../pacing/run-operations.js';
import { dial, tlsOptionsOf, type TlsInfo } from '../../net/transport.js';

// TLS handshakes without MQTT, for tls-churn: complete ones (fresh or resumed) closed at once, and the
// ways a handshake fails: a client certificate the broker rejects, an old protocol version, bytes that
// are no ClientHello, a client that leaves in the middle. What the broker answered is named the way a
// report shows it: `alert-unknown_ca`, `alert-protocol_version`, `server-hello`, `closed`, `reset` ...

/** TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2) a broker may send on a failed handshake. */
const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** TLS record content types (RFC 8446 §5.1). */
const RECORD_ALERT = 0x15;
const RECORD_HANDSHAKE = 0x16;

/** What the first bytes the broker sent on a raw TLS attempt were: a ServerHello, an alert (named), something else. */
export function classifyTlsAnswer(bytes: Buffer): string {
  if (bytes[0] === RECORD_HANDSHAKE) return 'server-hello';
  if (bytes[0] === RECORD_ALERT && bytes.length >= 7) {
    const description = bytes[6] as number;
    return `alert-${ALERT_NAMES[description] ?? String(description)}`;
  }
  return 'non-tls-bytes';
}

/**
 * `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA` → `alert-unknown_ca`: an alert the broker sent, as the answers name it; null for
 * other errors.
 */
export function alertFromError(error: NodeJS.ErrnoException): string | null {
  const match = /^ERR_SSL_(?:SSLV3_|TLSV1_|TLSV13_)?ALERT_([A-Z_]+)$/.exec(error.code ?? '');
  return match?.[1] === undefined ? null : `alert-${match[1].toLowerCase()}`;
}

/**
 * The bytes of the ClientHello node's TLS would send with these options, captured on a stream that goes
 * nowhere: replayed on raw TCP connections to end a handshake at a chosen byte (or to offer an old version).
 */
export function captureClientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let captured = false;
    const nowhere = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        if (!captured) {
          captured = true;
          resolve(Buffer.from(chunk));
          setImmediate(() => secure.destroy());
        }
        callback();
      },
    });
    const secure = tls.connect({ ...options, socket: nowhere });
    secure.on('error', (error) => {
      if (!captured) reject(error);
    });
  });
}

export interface HandshakeResult {
  /** `completed`, `resumed`, or the broker's answer to a refused one (`alert-unknown_ca`, `closed` ...). */
  answer: string;
  info: TlsInfo | null;
  /** A session ticket the broker sent (to resume later), when one came within the wait. */
  session: Buffer | null;
  handshakeMs: number;
}

export interface HandshakeOptions {
  /** A session to resume. */
  session?: Buffer;
  tlsOverrides?: tls.ConnectionOptions;
  /** After the handshake, wait this long for a session ticket before closing (0: close at once). */
  ticketWaitMs: number;
  /**
   * After the handshake, wait this long for the broker to refuse it (TLS 1.3 refuses a client certificate
   * after the client's Finished: an alert and a close). 0: close at once.
   */
  refusalWaitMs: number;
  timeoutMs: number;
  localAddress?: string;
}

/**
 * A TLS handshake (below the WebSocket layer for wss://), then close_notify and FIN: no MQTT. Resolves with
 * what happened; an alert or a close by the broker is an answer, not a failure. Rejects when no TCP
 * connection was made (ECONNREFUSED) or nothing happened within the timeout.
 */
export function tlsHandshakeClose(
  host: string,
  port: number,
  transport: TransportSettings,
  options: HandshakeOptions,
): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const link = dial(host, port, transport, {
      belowWebSocket: true,
      ...(options.session === undefined ? {} : { session: options.session }),
      ...(options.tlsOverrides === undefined ? {} : { tlsOverrides: options.tlsOverrides }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const secure = link.secure as tls.TLSSocket;
    let session: Buffer | null = null;
    let tcpConnected = false;
    let handshakeMs = 0;
    let settled = false;
    let info: TlsInfo | null = null;
    const timers: NodeJS.Timeout[] = [];
    const finish = (answer: string, clean: boolean): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      info ??= link.tlsInfo();
      if (clean && !secure.destroyed) link.end();
      else {
        secure.destroy();
        link.tcp.destroy();
      }
      resolve({ answer, info, session, handshakeMs });
    };
    link.tcp.once('connect', () => {
      tcpConnected = true;
    });
    timers.push(
      setTimeout(() => {
        if (settled) return;
        settled = true;
        secure.destroy();
        link.tcp.destroy();
        reject(new OperationFailure('timeout', `no TLS handshake within ${options.timeoutMs} ms`));
      }, options.timeoutMs),
    );
    secure.on('session', (ticket: Buffer) => {
      session = ticket;
      if (link.opened && options.refusalWaitMs === 0) finish(info?.resumed === true ? 'resumed' : 'completed', true);
    });
    secure.on('error', (error: NodeJS.ErrnoException) => {
      if (!tcpConnected) {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        reject(error);
        return;
      }
      finish(alertFromError(error) ?? (error.code === 'ECONNRESET' ? 'reset' : 'closed'), false);
    });
    secure.on('close', () => finish('closed', false));
    link.onOpen(() => {
      handshakeMs = Date.now() - started;
      info = link.tlsInfo();
      const answer = info?.resumed === true ? 'resumed' : 'completed';
      const waitMs = Math.max(options.refusalWaitMs, session === null ? options.ticketWaitMs : 0);
      if (waitMs === 0) {
        finish(answer, true);
        return;
      }
      timers.push(setTimeout(() => finish(answer, true), waitMs));
    });
  });
}

export type RawHelloEnd = 'close-on-answer' | 'wait';

/**
 * Sends `bytes` (a captured ClientHello, an old-version one, or garbage) on a raw TCP connection and reads
 * the broker's first answer. `close-on-answer` closes (FIN) as soon as it comes: a client leaving in the
 * middle of the handshake. `wait` waits for the broker to close after its answer (bounded by `holdMs`).
 * Resolves with the answer (`server-hello`, `alert-protocol_version`, `closed`, `reset`, `gave-up`).
 */
export function rawTlsAttempt(
  host: string,
  port: number,
  bytes: Buffer,
  end: RawHelloEnd,
  holdMs: number,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let connected = false;
    let answer: string | null = null;
    let settled = false;
    const finish = (last: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer ?? last);
    };
    let timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(new OperationFailure('timeout', `no TCP connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
        return;
      }
      finish(error.code === 'ECONNRESET' ? 'reset' : 'closed');
    });
    socket.on('close', () => finish('closed'));
    socket.on('data', (chunk: Buffer) => {
      if (answer !== null) return;
      answer = classifyTlsAnswer(chunk);
      if (end === 'close-on-answer') {
        settled = true;
        clearTimeout(timer);
        socket.end();
        socket.destroySoon();
        resolve(answer);
      }
    });
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(() => finish('gave-up'), holdMs);
      socket.write(bytes);
    });
  });
}

/** The TLS options of the run's transport, for capturing a ClientHello that matches what the run's handshakes send. */
export function helloOptionsOf(host: string, transport: TransportSettings): tls.ConnectionOptions {
  return tlsOptionsOf(host, transport.tls);
}
