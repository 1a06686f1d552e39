// Benchmark: the TLS handshake churn rate mqleak reaches against a real Mosquitto (Debian's, started
// here on 127.0.0.1 with a TLS listener, certificates made with openssl), per tls-churn handshake kind,
// with tls-churn's own load functions at its default concurrency. Prints one JSON object to stdout.
// Run (under the shared heavy-load lock on a shared machine): npm run bench:tls
// Bounded: HANDSHAKES per kind, each batch also bounded in time.

import os from 'node:os';
import { runOperations } from '../src/load/pacing/run-operations.js';
import {
  captureClientHello,
  helloOptionsOf,
  rawTlsAttempt,
  tlsHandshakeClose,
} from '../src/load/checks/tls-handshake.js';
import { parseBrokerUrl } from '../src/net/broker-address.js';
import { loadTlsSettings } from '../src/target/tls-settings.js';
import { freePort, startMosquitto } from '../test/helpers/brokers.js';
import { makeTestCertificates } from '../test/helpers/tls-certs.js';

const HANDSHAKES = Number(process.env.MQLEAK_BENCH_HANDSHAKES ?? 3000);
/** tls-churn's default `concurrency` (the run shape's). */
const CONCURRENCY = 20;
const BATCH_BOUND_MS = 120_000;
const TIMEOUT_MS = 5000;

async function main(): Promise<void> {
  const certs = await makeTestCertificates();
  const port = await freePort();
  const broker = await startMosquitto([
    `listener ${port} 127.0.0.1`,
    `cafile ${certs.ca}`,
    `certfile ${certs.serverCert}`,
    `keyfile ${certs.serverKey}`,
    'tls_version tlsv1.2',
  ]);
  const results: Record<string, unknown>[] = [];
  try {
    const address = parseBrokerUrl(`mqtts://127.0.0.1:${port}`, await loadTlsSettings({ ca: certs.ca }));
    const transport = address.transport;
    if (transport === undefined) throw new Error('no transport');
    let ticket: Buffer | null = null;
    const hello = await captureClientHello(helloOptionsOf(address.host, transport));
    const kinds: Record<string, () => Promise<string>> = {
      full: async () =>
        (
          await tlsHandshakeClose(address.host, port, transport, {
            ticketWaitMs: 0,
            refusalWaitMs: 0,
            timeoutMs: TIMEOUT_MS,
          })
        ).answer,
      resumed: async () => {
        const result = await tlsHandshakeClose(address.host, port, transport, {
          ...(ticket === null ? {} : { session: ticket }),
          ticketWaitMs: 200,
          refusalWaitMs: 0,
          timeoutMs: TIMEOUT_MS,
        });
        if (result.session !== null) ticket = result.session;
        return result.answer;
      },
      'mid-handshake-close': () => rawTlsAttempt(address.host, port, hello, 'close-on-answer', 1000, TIMEOUT_MS),
    };
    for (const [kind, operation] of Object.entries(kinds)) {
      const answers: Record<string, number> = {};
      const started = performance.now();
      const tally = await runOperations(
        HANDSHAKES,
        CONCURRENCY,
        Date.now() + BATCH_BOUND_MS,
        new AbortController().signal,
        async () => {
          const answer = await operation();
          answers[answer] = (answers[answer] ?? 0) + 1;
        },
      );
      const seconds = (performance.now() - started) / 1000;
      results.push({
        kind,
        handshakes: tally.attempted,
        failures: tally.failures,
        seconds: Number(seconds.toFixed(2)),
        perSecond: Math.round(tally.attempted / seconds),
        answers,
      });
    }
  } finally {
    await broker.stop();
    await certs.remove();
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'tls-handshakes',
        broker: 'Debian mosquitto, one TLS listener (RSA 2048 server key, tls_version tlsv1.2), 127.0.0.1',
        concurrency: CONCURRENCY,
        cpus: os.cpus().length,
        node: process.version,
        results,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
