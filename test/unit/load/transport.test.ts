// Transports without a broker: URL schemes, TLS flag checks, how TLS and WebSocket answers are named,
// how the WebSocket probes and tls-churn's handshakes are spread over operations, the report's transport line.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isMqleakError } from '../../../src/core/errors.js';
import { alertFromError, classifyTlsAnswer } from '../../../src/load/checks/tls-handshake.js';
import { tlsOptionsOf } from '../../../src/net/transport.js';
import { UNTRUSTED_CLIENT_CERT, UNTRUSTED_CLIENT_KEY } from '../../../src/load/checks/untrusted-client-cert.js';
import { TLS_VARIANTS, variantFor } from '../../../src/patterns/tls-churn.js';
import { webSocketCheckFor } from '../../../src/patterns/shared/websocket-checks.js';
import { transportLine } from '../../../src/report/terminal/transport.js';
import { parseBrokerUrl } from '../../../src/net/broker-address.js';
import { loadTlsSettings } from '../../../src/target/tls-settings.js';

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isMqleakError(error) && error.kind === 'usage', String(error));
    return error.message;
  }
  assert.fail('expected a usage error');
}

test('broker URLs: each scheme, its default port and WebSocket path', () => {
  assert.deepEqual(parseBrokerUrl('mqtt://127.0.0.1'), { url: 'mqtt://127.0.0.1', host: '127.0.0.1', port: 1883 });
  assert.equal(parseBrokerUrl('127.0.0.1:1884').port, 1884);
  const secure = parseBrokerUrl('mqtts://broker.local', { insecure: true });
  assert.equal(secure.port, 8883);
  assert.deepEqual(secure.transport, { scheme: 'mqtts', path: '', tls: { insecure: true } });
  assert.equal(parseBrokerUrl('ssl://127.0.0.1:9000').transport?.scheme, 'mqtts');
  const ws = parseBrokerUrl('ws://127.0.0.1');
  assert.equal(ws.port, 8083);
  assert.equal(ws.transport?.path, '/mqtt', 'no path: /mqtt, as MQTT.js and most brokers use');
  assert.equal(ws.url, 'ws://127.0.0.1/mqtt');
  const wss = parseBrokerUrl('wss://[::1]:9443/ws/mqtt');
  assert.equal(wss.host, '::1');
  assert.equal(wss.port, 9443);
  assert.equal(wss.transport?.path, '/ws/mqtt');
  assert.match(
    usageMessage(() => parseBrokerUrl('http://127.0.0.1')),
    /protocol http is not supported/,
  );
  assert.match(
    usageMessage(() => parseBrokerUrl('mqtt://127.0.0.1', { insecure: true })),
    /TLS options .* need a TLS URL/,
  );
  assert.match(
    usageMessage(() => parseBrokerUrl('ws://127.0.0.1', { insecure: false, servername: 'x' })),
    /need a TLS URL/,
  );
});

test('TLS flags are read and checked before any connection: each bad one named', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-tls-unit-'));
  try {
    const cert = path.join(dir, 'client.pem');
    const key = path.join(dir, 'client.key');
    const junk = path.join(dir, 'junk.pem');
    await writeFile(cert, UNTRUSTED_CLIENT_CERT);
    await writeFile(key, UNTRUSTED_CLIENT_KEY);
    await writeFile(junk, 'not pem\n');
    const settings = await loadTlsSettings({ ca: cert, cert, key, servername: 'broker.local' });
    assert.equal(settings.caFile, cert);
    assert.equal(settings.certFile, cert);
    assert.equal(settings.insecure, false);
    assert.ok(settings.key !== undefined && settings.cert !== undefined && settings.ca !== undefined);
    assert.deepEqual(await loadTlsSettings({ insecure: true }), { insecure: true });
    const refused = async (flags: Parameters<typeof loadTlsSettings>[0], message: RegExp): Promise<void> => {
      await assert.rejects(
        loadTlsSettings(flags),
        (error: unknown) => isMqleakError(error) && error.kind === 'usage' && message.test(error.message),
      );
    };
    await refused({ ca: path.join(dir, 'missing.pem') }, /^--ca .*missing\.pem: cannot read it \(ENOENT\)/);
    await refused({ ca: junk }, /^--ca .*junk\.pem: not a PEM certificate/);
    await refused({ cert }, /^--cert .* without --key/);
    await refused({ key }, /^--key .* without --cert/);
    await refused({ cert: junk, key }, /^--cert .*junk\.pem: not a PEM certificate/);
    await refused({ cert, key: junk }, /^--key .*junk\.pem: not the PEM private key of --cert/);
    await refused({ servername: '' }, /^--servername is empty/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('TLS options: verification on unless --insecure; SNI from the host name, never an IP address', () => {
  assert.equal(tlsOptionsOf('127.0.0.1', { insecure: false }).rejectUnauthorized, true);
  assert.equal(tlsOptionsOf('127.0.0.1', { insecure: false }).servername, undefined);
  assert.equal(tlsOptionsOf('broker.local', { insecure: true }).rejectUnauthorized, false);
  assert.equal(tlsOptionsOf('broker.local', { insecure: true }).servername, 'broker.local');
  const named = tlsOptionsOf('127.0.0.1', { insecure: false, servername: 'broker.example' });
  assert.equal(named.servername, 'broker.example');
  assert.equal(
    typeof named.checkServerIdentity,
    'function',
    'the certificate is checked against --servername, not the IP',
  );
});

test('TLS answers are named from the bytes or the alert the broker sent', () => {
  assert.equal(classifyTlsAnswer(Buffer.from('160303007a02', 'hex')), 'server-hello');
  assert.equal(classifyTlsAnswer(Buffer.from('15030200020246', 'hex')), 'alert-protocol_version');
  assert.equal(classifyTlsAnswer(Buffer.from('150303000202ff', 'hex')), 'alert-255');
  assert.equal(classifyTlsAnswer(Buffer.from('HTTP/1.1 400')), 'non-tls-bytes');
  const alert = (code: string): string | null => alertFromError(Object.assign(new Error(code), { code }));
  assert.equal(alert('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), 'alert-unknown_ca');
  assert.equal(alert('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'alert-certificate_required');
  assert.equal(alert('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), 'alert-bad_certificate');
  assert.equal(alert('ECONNRESET'), null);
});

test('tls-churn rotates through every handshake kind; WebSocket probes take their share, in turn', () => {
  assert.deepEqual(
    TLS_VARIANTS.map((_, index) => variantFor('mixed', index)),
    [...TLS_VARIANTS],
  );
  assert.equal(variantFor('old-version', 7), 'old-version');
  const probes = Array.from({ length: 12 }, (_, index) => webSocketCheckFor(index, 0.25));
  assert.equal(probes.filter((probe) => probe !== null).length, 3);
  assert.deepEqual(
    probes.filter((probe) => probe !== null),
    ['upgrade-close', 'upgrade-refused', 'http-get'],
  );
  assert.ok(Array.from({ length: 50 }, (_, index) => webSocketCheckFor(index, 0)).every((probe) => probe === null));
  assert.ok(Array.from({ length: 50 }, (_, index) => webSocketCheckFor(index, 1)).every((probe) => probe !== null));
});

test('the report line of a transport: scheme, negotiated TLS, what was verified; none for plain TCP', () => {
  assert.equal(transportLine(undefined), null);
  assert.equal(transportLine({ scheme: 'mqtt' }), null);
  assert.equal(transportLine({ scheme: 'ws', path: '/mqtt' }), 'ws /mqtt');
  assert.equal(
    transportLine({
      scheme: 'mqtts',
      tls: {
        version: 'TLSv1.3',
        cipher: 'TLS_AES_256_GCM_SHA384',
        servername: 'broker.local',
        insecure: false,
        clientCertificate: true,
        caFile: 'ca.pem',
        certFile: 'client.pem',
      },
    }),
    'mqtts, TLSv1.3 TLS_AES_256_GCM_SHA384, SNI broker.local, client certificate ' +
      'client.pem, certificate verified against ca.pem',
  );
  assert.match(
    transportLine({
      scheme: 'wss',
      path: '/mqtt',
      tls: {
        version: null,
        cipher: null,
        servername: null,
        insecure: true,
        clientCertificate: false,
        caFile: null,
        certFile: null,
      },
    }) ?? '',
    /^wss \/mqtt, TLS, certificate not verified \(--insecure\)$/,
  );
});
