// Transports against a real Mosquitto started by the test with a TLS listener, a TLS listener that
// requires a client certificate, a WebSocket listener and a WebSocket-over-TLS listener (certificates
// made by the test with openssl): a connection-level and a message-level scenario family run over each
// scheme, with the raw-packet client and MQTT.js (will-churn's observer); tls-churn drives each failing
// handshake and Mosquitto's answers are checked; bad TLS flags are one-line usage errors. Short runs:
// too few cycles for a verdict, so only "no failed operation, not LEAK" is asserted of them.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WILL_PUBLISHED } from '../../src/patterns/will-churn.js';
import { WS_UPGRADE_GRANTED, WS_WRONG_SUBPROTOCOL_REFUSED } from '../../src/patterns/shared/websocket-checks.js';
import { TLS_VARIANTS } from '../../src/patterns/tls-churn.js';
import type { RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { freePort, startFixtureBroker, startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certs.js';

/** connection-level (raw client, and MQTT.js for the will observer) and message-level (raw sessions) families. */
const SCENARIOS = ['connect-churn', 'will-churn', 'retained-flood'];
const SHAPE = [
  'warmupCycles=2',
  'cycles=3',
  'operationsPerCycle=60',
  'baselineSeconds=0.3',
  'settleSeconds=0.3',
  'recoverySeconds=0.3',
];
/** No waits the transports do not change: silent keepalive clients (seconds each) and delayed wills. */
const NO_WAITS = ['connect-churn:keepaliveExpiryShare=0', 'will-churn:willDelaySeconds=0'];

function set(values: readonly string[]): string[] {
  return values.flatMap((value) => ['--set', value]);
}

function scenario(report: RunReport | null, name: string): ScenarioReport {
  const found = report?.scenarios.find((entry) => entry.name === name);
  assert.ok(found, `the report has ${name}`);
  return found;
}

describe('transports: Mosquitto with TLS and WebSocket listeners', () => {
  let certs: TestCertificates;
  let broker: TestBroker;
  const ports = { mqtts: 0, mqttsClientCert: 0, ws: 0, wss: 0 };

  before(async () => {
    certs = await makeTestCertificates();
    ports.mqtts = await freePort();
    ports.mqttsClientCert = await freePort();
    ports.ws = await freePort();
    ports.wss = await freePort();
    const tlsFiles = [`cafile ${certs.ca}`, `certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`];
    broker = await startMosquitto([
      // TLS 1.2 at least: what tls-churn's TLS 1.0/1.1 offer must be refused by.
      `listener ${ports.mqtts} 127.0.0.1`,
      ...tlsFiles,
      'tls_version tlsv1.2',
      `listener ${ports.mqttsClientCert} 127.0.0.1`,
      ...tlsFiles,
      'tls_version tlsv1.2',
      'require_certificate true',
      `listener ${ports.ws} 127.0.0.1`,
      'protocol websockets',
      `listener ${ports.wss} 127.0.0.1`,
      'protocol websockets',
      ...tlsFiles,
    ]);
  });
  after(async () => {
    await broker?.stop();
    await certs?.remove();
  });

  const transports = [
    {
      scheme: 'mqtts',
      url: () => `mqtts://127.0.0.1:${ports.mqtts}`,
      flags: () => ['--ca', certs.ca],
      names: SCENARIOS,
    },
    {
      scheme: 'mqtts',
      label: 'mqtts with a client certificate, by host name',
      url: () => `mqtts://localhost:${ports.mqttsClientCert}`,
      flags: () => ['--ca', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey],
      names: ['connect-churn'],
    },
    {
      scheme: 'ws',
      url: () => `ws://127.0.0.1:${ports.ws}/mqtt`,
      flags: () => [],
      names: [...SCENARIOS, 'health-check-churn'],
    },
    {
      scheme: 'wss',
      url: () => `wss://127.0.0.1:${ports.wss}/mqtt`,
      flags: () => ['--insecure'],
      names: [...SCENARIOS, 'health-check-churn'],
    },
  ];
  for (const transport of transports) {
    const listed = transport.names.join(', ');
    const title = `${transport.label ?? transport.scheme}: ${listed} run without a failed operation`;
    test(title, async (t) => {
      const started = Date.now();
      const names = transport.names;
      const result = await runCli([
        'run',
        ...names,
        '--broker',
        transport.url(),
        ...transport.flags(),
        '--quiet',
        '--no-html',
        ...set([...SHAPE, ...NO_WAITS.filter((entry) => names.some((name) => entry.startsWith(`${name}:`)))]),
      ]);
      t.diagnostic(`${transport.scheme}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const report = result.report;
      assert.ok(report !== null && [0, 2].includes(result.code ?? -1), `exit ${result.code}: ${result.stderr}`);
      assert.equal(report.target?.kind, 'found-by-port', 'the process is found from the port of the URL');
      assert.equal(report.target?.pid, broker.pid);
      const recorded = report.target?.transport;
      assert.equal(recorded?.scheme, transport.scheme);
      if (transport.scheme === 'mqtts' || transport.scheme === 'wss') {
        assert.match(recorded?.tls?.version ?? '', /^TLSv1\.[23]$/);
        assert.ok((recorded?.tls?.cipher ?? '') !== '');
        assert.equal(recorded?.tls?.clientCertificate, transport.flags().includes('--cert'));
        assert.equal(recorded?.tls?.insecure, transport.flags().includes('--insecure'));
        assert.ok(!JSON.stringify(report).includes('PRIVATE KEY'), 'no key material in the report');
      } else {
        assert.equal(recorded?.path, '/mqtt');
      }
      assert.match(result.stdout, new RegExp(`transport: ${transport.scheme}`));
      for (const name of names) {
        const found = scenario(report, name);
        assert.ok(found.operations > 0, `${name} ran`);
        assert.equal(found.failures, 0, `${name}: ${JSON.stringify(found.failureKinds)}`);
        assert.notEqual(found.verdict, 'leak');
      }
      if (names.includes('will-churn')) {
        // MQTT.js over the transport: the will observer saw the wills the broker published.
        const wills = scenario(report, 'will-churn').checks?.[WILL_PUBLISHED];
        assert.ok(
          wills !== undefined && wills.expected > 0 && wills.observed === wills.expected,
          JSON.stringify(wills),
        );
      }
      if (transport.scheme.startsWith('ws')) {
        for (const name of ['connect-churn', 'health-check-churn']) {
          const facts = scenario(report, name);
          assert.equal(facts.checks?.[WS_UPGRADE_GRANTED]?.status, 'held', JSON.stringify(facts.answers));
          assert.equal(facts.checks?.[WS_WRONG_SUBPROTOCOL_REFUSED]?.status, 'held', JSON.stringify(facts.answers));
          assert.ok(
            Object.keys(facts.answers?.['ws:http-get'] ?? {}).length > 0,
            'plain HTTP GETs were answered or closed',
          );
        }
      }
    });
  }

  test('tls-churn: every handshake kind, and what Mosquitto answered to each', async (t) => {
    const started = Date.now();
    const result = await runCli([
      'run',
      'tls-churn',
      '--broker',
      `mqtts://127.0.0.1:${ports.mqttsClientCert}`,
      '--ca',
      certs.ca,
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKey,
      '--quiet',
      '--no-html',
      ...set([...SHAPE.filter((entry) => !entry.startsWith('operationsPerCycle')), 'operationsPerCycle=120']),
    ]);
    t.diagnostic(`tls-churn: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(result.report !== null && [0, 2].includes(result.code ?? -1), `exit ${result.code}: ${result.stderr}`);
    const churn = scenario(result.report, 'tls-churn');
    t.diagnostic(JSON.stringify(churn.answers));
    assert.equal(churn.failures, 0, JSON.stringify(churn.failureKinds));
    const answers = churn.answers ?? {};
    for (const variant of TLS_VARIANTS) assert.ok(answers[variant] !== undefined, `${variant} was tried`);
    const only = (variant: string): string[] => Object.keys(answers[variant] ?? {});
    assert.deepEqual(only('full'), ['completed']);
    // Mosquitto (OpenSSL) hands out TLS 1.3 session tickets: offered back, they resume (the first offer has none yet).
    assert.ok((answers.resumed?.resumed ?? 0) > 0, JSON.stringify(answers.resumed));
    // A client certificate from an unknown CA: refused with a TLS alert, never accepted.
    assert.ok(
      only('bad-client-cert').every((answer) => answer.startsWith('alert-')),
      JSON.stringify(answers['bad-client-cert']),
    );
    assert.ok(only('bad-client-cert').length > 0);
    assert.deepEqual(only('old-version'), ['alert-protocol_version']);
    assert.ok(
      only('garbage').every((answer) => ['reset', 'closed'].includes(answer)),
      JSON.stringify(answers.garbage),
    );
    assert.deepEqual(only('mid-handshake-close'), ['server-hello']);
    assert.ok((churn.observations?.fullHandshakeMs?.count ?? 0) > 0);
  });

  test(
    'TLS flags: a missing or non-PEM --ca, a --cert without --key and TLS options on mqtt:// ' +
      'are usage errors (exit 64, one line)',
    async () => {
      const notPem = path.join(certs.dir, 'not-a-certificate.pem');
      await writeFile(notPem, 'hello\n');
      const cases: [string[], RegExp][] = [
        [['--ca', path.join(certs.dir, 'missing.pem')], /--ca .*missing\.pem: cannot read it/],
        [['--ca', notPem], /--ca .*not-a-certificate\.pem: not a PEM certificate/],
        [['--cert', certs.clientCert], /--cert .* without --key/],
        [['--cert', certs.clientCert, '--key', certs.serverKey], /--key .*: not the PEM private key of --cert/],
      ];
      for (const [flags, message] of cases) {
        const result = await runCli([
          'run',
          'connect-churn',
          '--broker',
          `mqtts://127.0.0.1:${ports.mqtts}`,
          ...flags,
          '--quiet',
        ]);
        assert.equal(result.code, 64, result.stderr);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      }
      const plain = await runCli(['run', 'connect-churn', '--broker', broker.url, '--insecure', '--quiet']);
      assert.equal(plain.code, 64);
      assert.match(plain.stderr, /TLS options .* need a TLS URL/);
      const unverified = await runCli([
        'run',
        'connect-churn',
        '--broker',
        `mqtts://127.0.0.1:${ports.mqtts}`,
        '--quiet',
        '--no-html',
      ]);
      assert.equal(unverified.code, 3, 'a certificate mqleak cannot verify is a target error');
      assert.match(unverified.stderr, /--ca FILE.*--insecure/);
    },
  );
});

describe('the leaky fixture broker with a leak per TLS connection', () => {
  const injected = 4096;
  let certs: TestCertificates;
  let broker: TestBroker;
  let tlsPort = 0;
  before(async () => {
    certs = await makeTestCertificates();
    tlsPort = await freePort();
    broker = await startFixtureBroker(0, [
      '--tls-port',
      String(tlsPort),
      '--tls-cert',
      certs.serverCert,
      '--tls-key',
      certs.serverKey,
      '--leak-on',
      `tls=${injected}`,
    ]);
  });
  after(async () => {
    await broker?.stop();
    await certs?.remove();
  });

  test(`connect-churn over mqtts:// (${injected} B per TLS connection): LEAK, exit 1`, async (t) => {
    const started = Date.now();
    const result = await runCli([
      'run',
      'connect-churn',
      '--quick',
      '--broker',
      `mqtts://localhost:${tlsPort}`,
      '--ca',
      certs.ca,
      ...set(['keepaliveExpiryShare=0', 'operationsPerCycle=400']),
      '--quiet',
      '--no-html',
    ]);
    const memory = result.report?.scenarios[0]?.metrics.filter((entry) => entry.kind === 'bytes') ?? [];
    const summary = memory
      .map(
        (m) =>
          `${m.name}: ${m.verdict} ${m.bytesPerOp?.toFixed(0)} B/op [${m.ci?.map((v) => v.toFixed(0)).join(', ')}]`,
      )
      .join('\n');
    t.diagnostic(`${summary}\n${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(result.code, 1, summary || result.stderr);
    assert.equal(result.report?.target?.pid, broker.pid, 'the fixture is found from the TLS port');
    assert.equal(result.report?.target?.transport?.scheme, 'mqtts');
    const rss = memory.find((entry) => /(^|\.)rss$/.test(entry.name));
    assert.ok(rss !== undefined && rss.verdict === 'leak', summary);
    assert.ok(rss.ci !== null && rss.ci[0] > rss.thresholdPerOp, 'the interval clears the threshold');
  });
});
