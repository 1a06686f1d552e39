import { usageError } from '../errors.js';

/** Where the broker listens. Only plain TCP (`mqtt://`, `tcp://`) for now. */
export interface BrokerAddress {
  url: string;
  host: string;
  port: number;
}

const DEFAULT_MQTT_PORT = 1883;
const SUPPORTED_PROTOCOLS = new Set(['mqtt:', 'tcp:']);

export function parseBrokerUrl(raw: string): BrokerAddress {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `mqtt://${raw}`);
  } catch {
    throw usageError(`--broker ${raw}: not a broker URL`, 'use mqtt://HOST:PORT, e.g. mqtt://127.0.0.1:1883');
  }
  if (!SUPPORTED_PROTOCOLS.has(url.protocol)) {
    throw usageError(
      `--broker ${raw}: protocol ${url.protocol.replace(':', '')} is not supported yet`,
      'use mqtt://HOST:PORT (plain TCP)',
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw usageError(`--broker ${raw}: no host`, 'use mqtt://HOST:PORT, e.g. mqtt://127.0.0.1:1883');
  const port = url.port === '' ? DEFAULT_MQTT_PORT : Number(url.port);
  return { url: `mqtt://${url.host}`, host, port };
}

/** Hosts whose process we may find from /proc: this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
