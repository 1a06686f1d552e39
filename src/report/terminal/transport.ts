import type { TransportReport } from '../../core/report-model.js';

/**
 * One line for the transport of a run, shared by the table and the HTML report:
 * `mqtts, TLSv1.3 TLS_AES_256_GCM_SHA384, SNI broker.local, client certificate, not verified (--insecure)`.
 * Null for plain TCP, which needs no line.
 */
export function transportLine(transport: TransportReport | undefined): string | null {
  if (transport === undefined || transport.scheme === 'mqtt') return null;
  const parts: string[] = [transport.path === undefined ? transport.scheme : `${transport.scheme} ${transport.path}`];
  const tls = transport.tls;
  if (tls !== undefined) {
    parts.push([tls.version, tls.cipher].filter((part) => part !== null).join(' ') || 'TLS');
    if (tls.servername !== null) parts.push(`SNI ${tls.servername}`);
    if (tls.clientCertificate) parts.push(`client certificate${tls.certFile === null ? '' : ` ${tls.certFile}`}`);
    parts.push(
      tls.insecure
        ? 'certificate not verified (--insecure)'
        : `certificate verified${tls.caFile === null ? ' (system CAs)' : ` against ${tls.caFile}`}`,
    );
  }
  return parts.join(', ');
}
