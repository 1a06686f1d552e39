import { usageError } from '../core/errors.js';

/** How mqleak reaches the broker's port: plain TCP, TLS, WebSocket, WebSocket over TLS. */
export type TransportScheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

/**
 * `--ca`, `--cert`, `--key`, `--insecure`, `--servername`: the TLS side of mqtts:// and wss://. The PEM
 * contents are kept here for the connections; the report records only the file names and whether a
 * client certificate was given (see transportReport), never key material.
 */
export interface TlsSettings {
  /** PEM text (not Buffers: the settings cross to load worker processes as JSON). */
  ca?: string;
  cert?: string;
  key?: string;
  caFile?: string;
  certFile?: string;
  /** Skip verifying the broker's certificate (self-signed test brokers). */
  insecure: boolean;
  /** SNI name sent in the ClientHello and checked against the certificate; default: the URL's host name. */
  servername?: string;
}

/** Everything beyond host and port a connection to the broker needs. Absent on an address: plain TCP. */
export interface TransportSettings {
  scheme: TransportScheme;
  /** The WebSocket path (`/mqtt`); '' for mqtt:// and mqtts://. */
  path: string;
  tls: TlsSettings;
}

/** Where the broker listens and how to talk to it. */
export interface BrokerAddress {
  url: string;
  host: string;
  port: number;
  /** Absent: plain TCP (`mqtt://`). */
  transport?: TransportSettings;
}

/** The usual port of each scheme (IANA 1883/8883; 8083/8084 as EMQX, HiveMQ and most WebSocket listeners use). */
const DEFAULT_PORTS: Readonly<Record<TransportScheme, number>> = { mqtt: 1883, mqtts: 8883, ws: 8083, wss: 8084 };
/** What MQTT.js and most brokers use when a ws:// URL names no path. */
const DEFAULT_WS_PATH = '/mqtt';
const SCHEMES: Readonly<Record<string, TransportScheme>> = {
  'mqtt:': 'mqtt',
  'tcp:': 'mqtt',
  'mqtts:': 'mqtts',
  'ssl:': 'mqtts',
  'tls:': 'mqtts',
  'ws:': 'ws',
  'wss:': 'wss',
};
const ACCEPTED =
  'use mqtt://HOST:PORT, mqtts://HOST:PORT, ws://HOST:PORT/PATH or wss://HOST:PORT/PATH, e.g. mqtt://127.0.0.1:1883';

export function isSecureScheme(scheme: TransportScheme): boolean {
  return scheme === 'mqtts' || scheme === 'wss';
}

export function parseBrokerUrl(raw: string, tls: TlsSettings = { insecure: false }): BrokerAddress {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `mqtt://${raw}`);
  } catch {
    throw usageError(`--broker ${raw}: not a broker URL`, ACCEPTED);
  }
  const scheme = SCHEMES[url.protocol];
  if (scheme === undefined) {
    throw usageError(`--broker ${raw}: protocol ${url.protocol.replace(':', '')} is not supported`, ACCEPTED);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw usageError(`--broker ${raw}: no host`, ACCEPTED);
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  const path =
    scheme === 'ws' || scheme === 'wss'
      ? url.pathname === '' || url.pathname === '/'
        ? DEFAULT_WS_PATH
        : url.pathname
      : '';
  if (
    !isSecureScheme(scheme) &&
    (tls.ca !== undefined || tls.cert !== undefined || tls.insecure || tls.servername !== undefined)
  ) {
    throw usageError(
      `--broker ${raw}: TLS options (--ca, --cert, --key, --insecure, --servername) need a TLS URL`,
      'use mqtts://HOST:PORT or wss://HOST:PORT/PATH',
    );
  }
  const address: BrokerAddress = { url: `${scheme}://${url.host}${path}`, host, port };
  if (scheme !== 'mqtt') address.transport = { scheme, path, tls };
  return address;
}

/** The scheme of an address (plain TCP when it carries no transport). */
export function schemeOf(address: { transport?: TransportSettings }): TransportScheme {
  return address.transport?.scheme ?? 'mqtt';
}

/** Hosts whose process we may find from /proc: this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
