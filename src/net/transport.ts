import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import WebSocket, { createWebSocketStream } from 'ws';
import type { TlsSettings, TransportSettings } from './broker-address.js';

// The one place a connection to the broker is opened, whatever the scheme: every client of mqleak (the
// raw-packet client, health-check probes, CONNECT attempts, MQTT.js observers) gets its byte stream here.
// The TCP socket is always opened with net.connect first and TLS / WebSocket layered on it, so that the
// connection gauge (net.client.socket) counts every one and a reset on ws:// is a real RST under HTTP.

/** The WebSocket subprotocol MQTT brokers accept (MQTT 3.1.1 §6, MQTT 5 §6). */
export const MQTT_SUBPROTOCOL = 'mqtt';
/** How long a WebSocket close handshake may take before the TCP connection is closed under it. */
const WS_CLOSE_GRACE_MS = 1000;

export interface TlsInfo {
  /** `TLSv1.3`, `TLSv1.2` ... as negotiated. */
  version: string | null;
  cipher: string | null;
  /** Whether the handshake resumed an earlier session (abbreviated handshake). */
  resumed: boolean;
}

export interface DialOptions {
  /** Stop below the WebSocket layer (TCP, or TLS for wss): for health checks that speak HTTP themselves. */
  belowWebSocket?: boolean;
  /** The WebSocket subprotocol offered; default `mqtt`. */
  subprotocol?: string;
  /** A TLS session of an earlier connection to resume (`tls.TLSSocket#getSession`). */
  session?: Buffer;
  /** Fields laid over the TLS options (tls-churn: `minVersion`/`maxVersion`, no client certificate ...). */
  tlsOverrides?: tls.ConnectionOptions;
  /** Source address to bind the TCP socket to; none: the kernel's choice. */
  localAddress?: string;
  /**
   * Plain TCP only (mqtt://; ignored for TLS and WebSocket): reads go into this caller's buffer and callback
   * instead of `data` events (node's `net.connect({ onread })`): no Readable-stream reads, no Buffer per read.
   */
  onread?: net.OnReadOpts;
}

/** One connection to the broker: the stream MQTT bytes go through and the TCP socket under it. */
export interface Link {
  /** The MQTT byte stream: the TCP socket itself, the TLS socket over it, or the WebSocket's message stream. */
  readonly stream: Duplex;
  readonly tcp: net.Socket;
  /** The TLS socket, for mqtts:// and wss:// (undefined for plain TCP). */
  readonly secure: tls.TLSSocket | undefined;
  /**
   * Calls back once the transport carries MQTT: TCP connected, TLS handshake done, WebSocket upgraded. Never when it
   * fails (the stream emits `error` / `close`).
   */
  onOpen(listener: () => void): void;
  readonly opened: boolean;
  /**
   * Writes `last` (if any), then closes the way the transport closes cleanly (FIN, TLS close_notify, WebSocket close
   * frame).
   */
  end(last?: Buffer): void;
  /** Gone at once, nothing said: a TCP RST on plain TCP and ws://; under TLS a FIN without close_notify (see resetTcp). */
  reset(): void;
  /** The negotiated TLS parameters once open; null without TLS. */
  tlsInfo(): TlsInfo | null;
}

/** The node TLS options of the settings (`--ca`, `--cert`, `--key`, `--insecure`, `--servername`). */
export function tlsOptionsOf(host: string, settings: TlsSettings): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { rejectUnauthorized: !settings.insecure };
  // SNI carries a host name, never an IP address (RFC 6066 §3); the certificate check still uses the host.
  const servername = settings.servername ?? (net.isIP(host) === 0 ? host : undefined);
  if (servername !== undefined) options.servername = servername;
  if (settings.servername !== undefined) {
    const name = settings.servername;
    options.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(name, cert);
  }
  if (settings.ca !== undefined) options.ca = settings.ca;
  if (settings.cert !== undefined) options.cert = settings.cert;
  if (settings.key !== undefined) options.key = settings.key;
  return options;
}

function wrapTls(tcp: net.Socket, host: string, settings: TlsSettings, options: DialOptions): tls.TLSSocket {
  const secureOptions: tls.ConnectionOptions = {
    ...tlsOptionsOf(host, settings),
    socket: tcp,
    ...options.tlsOverrides,
  };
  if (options.session !== undefined) secureOptions.session = options.session;
  return tls.connect(secureOptions);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The link parts that are the same over a socket and over a WebSocket; prototype methods, not closures (one link per
 * held session).
 */
abstract class BaseLink implements Link {
  opened = false;
  private openListeners: (() => void)[] | null = null;

  constructor(
    readonly stream: Duplex,
    readonly tcp: net.Socket,
    readonly secure: tls.TLSSocket | undefined,
  ) {}

  onOpen(listener: () => void): void {
    if (this.opened) listener();
    else (this.openListeners ??= []).push(listener);
  }

  protected open(): void {
    if (this.opened) return;
    this.opened = true;
    const listeners = this.openListeners;
    this.openListeners = null;
    if (listeners !== null) for (const listener of listeners) listener();
  }

  tlsInfo(): TlsInfo | null {
    const secure = this.secure;
    return secure === undefined
      ? null
      : {
          version: secure.getProtocol() ?? null,
          cipher: secure.getCipher()?.name ?? null,
          resumed: secure.isSessionReused(),
        };
  }

  abstract end(last?: Buffer): void;
  abstract reset(): void;
}

/** TCP, or TLS over it: the MQTT stream is the socket. */
class SocketLink extends BaseLink {
  constructor(tcp: net.Socket, secure: tls.TLSSocket | undefined) {
    const carrier: net.Socket = secure ?? tcp;
    super(carrier, tcp, secure);
    carrier.once(secure === undefined ? 'connect' : 'secureConnect', () => this.open());
  }

  end(last?: Buffer): void {
    const carrier = this.stream as net.Socket;
    if (carrier.destroyed) return;
    if (last === undefined) carrier.end();
    else carrier.end(last);
    // The broker may keep its side open: our FIN (after close_notify under TLS) is the close.
    carrier.destroySoon();
  }

  reset(): void {
    resetTcp(this.tcp, this.stream as net.Socket);
  }
}

/** ws:// and wss://: the MQTT stream is the WebSocket's message stream, over the socket. */
class WebSocketLink extends BaseLink {
  constructor(
    private readonly ws: WebSocket,
    tcp: net.Socket,
    secure: tls.TLSSocket | undefined,
  ) {
    super(createWebSocketStream(ws), tcp, secure);
    ws.once('open', () => this.open());
    // createWebSocketStream only ends its readable side when the broker closes: close it, as a socket would.
    ws.once('close', () => setImmediate(() => this.stream.destroy()));
  }

  end(last?: Buffer): void {
    const { ws, stream } = this;
    if (stream.destroyed) return;
    if (ws.readyState !== WebSocket.OPEN) {
      ws.terminate();
      return;
    }
    if (last !== undefined) ws.send(last);
    ws.close(1000);
    // As on TCP, where our FIN follows the last packet: the close frame, then our end of the connection,
    // without waiting for the broker's close frame (libwebsockets may take its time to send one).
    (this.secure ?? this.tcp).end();
    setTimeout(() => ws.terminate(), WS_CLOSE_GRACE_MS).unref();
  }

  reset(): void {
    resetTcp(this.tcp, this.secure ?? this.tcp);
    this.stream.destroy();
  }
}

/**
 * Opens a connection to HOST:PORT over the transport (plain TCP when undefined). Returns at once; the
 * stream buffers writes until the transport is up, so a CONNECT may be written straight away.
 */
export function dial(
  host: string,
  port: number,
  transport: TransportSettings | undefined,
  options: DialOptions = {},
): Link {
  const scheme = transport?.scheme ?? 'mqtt';
  const plain = transport === undefined || scheme === 'mqtt' || scheme === 'ws';
  const connectOptions: net.NetConnectOpts = { host, port };
  if (options.localAddress !== undefined) connectOptions.localAddress = options.localAddress;
  // onread hands reads of plain MQTT over TCP to the caller; TLS and WebSocket read the socket as a stream.
  if (options.onread !== undefined && (transport === undefined || scheme === 'mqtt'))
    connectOptions.onread = options.onread;
  const tcp = net.connect(connectOptions);
  const secure = plain || transport === undefined ? undefined : wrapTls(tcp, host, transport.tls, options);
  if (transport === undefined || scheme === 'mqtt' || scheme === 'mqtts' || options.belowWebSocket === true)
    return new SocketLink(tcp, secure);
  const ws = new WebSocket(
    `${scheme}://${urlHost(host)}:${port}${transport.path}`,
    options.subprotocol ?? MQTT_SUBPROTOCOL,
    {
      // The socket is ours (opened above): ws layers HTTP on it, and the TLS options were applied by wrapTls.
      createConnection: () => secure ?? tcp,
      perMessageDeflate: false,
    },
  );
  return new WebSocketLink(ws, tcp, secure);
}

/**
 * An RST on plain TCP. Under TLS the TCP handle belongs to node's TLS layer, and resetting it under a
 * live TLSSocket crashed node (SIGSEGV, node 20.20, reproduced with 2,000 resets): there the connection
 * is dropped without close_notify (FIN), the nearest safe thing.
 */
function resetTcp(tcp: net.Socket, carrier: net.Socket): void {
  if (carrier !== tcp) {
    carrier.destroy();
    tcp.destroy();
    return;
  }
  // No RST once our FIN is asked for (we ended, or node half-closed after the broker's FIN): libuv refuses
  // uv_tcp_close_reset after uv_shutdown (EINVAL) and node then never closes the handle: one fd leaked per
  // reset and an event loop that never empties (docs/scenarios/protocol-errors.md, "The exit hang").
  if (!tcp.destroyed && !tcp.connecting && !tcp.writableEnded) tcp.resetAndDestroy();
  else tcp.destroy();
}
