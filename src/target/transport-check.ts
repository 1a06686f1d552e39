import net from 'node:net';
import { targetError } from '../core/errors.js';
import { dial } from '../net/transport.js';
import type { TransportReport } from '../core/report-model.js';
import { isSecureScheme, schemeOf, type BrokerAddress } from '../net/broker-address.js';

const TRANSPORT_CHECK_TIMEOUT_MS = 5000;

function hintFor(address: BrokerAddress, reason: string): string {
  if (/certificate|self[- ]signed|verify|issuer|altname|hostname/i.test(reason)) {
    return (
      "give the CA that signed the broker's certificate with --ca FILE, its name with " +
      '--servername NAME, or --insecure for a self-signed test broker'
    );
  }
  if (/alert|handshake|wrong version|ssl|tls/i.test(reason))
    return (
      `check the port speaks ${schemeOf(address)} (and whether the broker wants a client ` +
      `certificate: --cert FILE --key FILE)`
    );
  if (/Unexpected server response|upgrade/i.test(reason))
    return 'check the WebSocket path of the URL (e.g. ws://HOST:PORT/mqtt) and that the port is a WebSocket listener';
  return "check the URL's scheme and port match the broker's listener";
}

/**
 * One connection to the broker over the run's transport, opened and closed before any scenario: a TLS
 * handshake that fails (unknown CA, wrong name, client certificate wanted) or a refused WebSocket upgrade
 * is a target error with a hint now, not thousands of failed operations later. Returns what the report
 * records of the transport (the negotiated TLS version and cipher; no key material).
 */
export async function checkTransport(address: BrokerAddress): Promise<TransportReport> {
  const transport = address.transport;
  const scheme = schemeOf(address);
  if (transport === undefined) return { scheme };
  const link = dial(address.host, address.port, transport);
  const reason = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(
      () =>
        resolve(
          `no ${isSecureScheme(scheme) ? 'TLS handshake' : 'WebSocket upgrade'} within ` +
            `${TRANSPORT_CHECK_TIMEOUT_MS} ms`,
        ),
      TRANSPORT_CHECK_TIMEOUT_MS,
    );
    link.stream.once('error', (error: Error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    link.stream.once('close', () => {
      clearTimeout(timer);
      resolve('the broker closed the connection during the handshake');
    });
    link.onOpen(() => {
      clearTimeout(timer);
      resolve(null);
    });
  });
  const info = link.tlsInfo();
  link.stream.removeAllListeners('close');
  link.stream.on('error', () => undefined);
  link.end();
  link.tcp.destroy();
  if (reason !== null) throw targetError(`broker ${address.url}: ${reason}`, hintFor(address, reason));
  const report: TransportReport = { scheme };
  if (transport.path !== '') report.path = transport.path;
  if (isSecureScheme(scheme)) {
    const tls = transport.tls;
    report.tls = {
      version: info?.version ?? null,
      cipher: info?.cipher ?? null,
      servername: tls.servername ?? (net.isIP(address.host) === 0 ? address.host : null),
      insecure: tls.insecure,
      clientCertificate: tls.cert !== undefined,
      caFile: tls.caFile ?? null,
      certFile: tls.certFile ?? null,
    };
  }
  return report;
}
