// connect-churn's lean path over plain TCP (src/load/churn-connection.ts) against real Mosquitto brokers:
// accepted connections with credentials, and every way a connection fails tallied by kind, the same kind
// RawMqttConnection reports for the same CONNECT: a refused CONNACK (no or wrong credentials, 3.1.1 and 5),
// a peer that closes on the CONNECT without a CONNACK, a closed port, a peer that never answers. (Mosquitto 2.0.11 at
// `max_connections` would be the real hang-up, but it lets every other refused connection through: not
// deterministic, so two bare TCP peers stand in for the broker's failure modes.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawMqttConnection, type ProtocolVersion } from '../../src/load/clients/raw-mqtt-client.js';
import { connectExtrasFor } from '../../src/load/wire/raw-helpers.js';
import { OperationFailure } from '../../src/load/pacing/run-operations.js';
import { connectChurn } from '../../src/patterns/connect-churn.js';
import type { CycleOutcome } from '../../src/patterns/pattern.js';
import type { Credentials } from '../../src/core/credentials.js';
import type { ParamValue } from '../../src/core/params.js';
import {
  freePort,
  startMosquittoWithPassword,
  startTcpPeer,
  type TcpPeer,
  type TestBroker,
} from '../helpers/brokers.js';

const USER = 'churn-user';
const PASSWORD = 'pw-churn-7Qx';
/** Enough connections for both ways out and a tally, few enough to keep the file to a few seconds. */
const OPERATIONS = 200;
const CONCURRENCY = 20;
const CYCLE_BOUND_MS = 15_000;

/** One connect-churn cycle against 127.0.0.1:port with the pattern's defaults and `overrides`. */
async function churnCycle(
  port: number,
  credentials: Credentials | undefined,
  overrides: Record<string, ParamValue> = {},
): Promise<CycleOutcome> {
  const params: Record<string, ParamValue> = Object.fromEntries(
    Object.entries(connectChurn.params).map(([name, spec]) => [name, spec.default]),
  );
  const controller = new AbortController();
  const running = await connectChurn.start({
    broker: { url: `mqtt://127.0.0.1:${port}`, host: '127.0.0.1', port },
    params: { ...params, operationsPerCycle: OPERATIONS, ...overrides },
    signal: controller.signal,
    runToken: 'lean-test',
    ...(credentials === undefined ? {} : { credentials }),
  });
  try {
    return await running.runCycle({
      index: 0,
      operations: OPERATIONS,
      concurrency: CONCURRENCY,
      deadlineMs: Date.now() + CYCLE_BOUND_MS,
    });
  } finally {
    await running.teardown();
  }
}

/** The failure kind RawMqttConnection reports for the same CONNECT: the lean path must tally the same. */
async function rawFailureKind(
  port: number,
  protocolVersion: ProtocolVersion,
  credentials: Credentials | undefined,
  timeoutMs = 5000,
): Promise<string> {
  try {
    const connection = await RawMqttConnection.connect({
      host: '127.0.0.1',
      port,
      clientId: 'raw-check',
      protocolVersion,
      keepalive: 30,
      clean: true,
      timeoutMs,
      connectExtras: connectExtrasFor(credentials),
    });
    connection.vanish();
    return 'accepted';
  } catch (error) {
    return error instanceof OperationFailure ? error.kind : String((error as NodeJS.ErrnoException).code);
  }
}

function assertAllFailed(outcome: CycleOutcome, kind: string): void {
  assert.equal(outcome.operations, OPERATIONS);
  assert.equal(outcome.timedOut, false);
  assert.equal(outcome.failures, OPERATIONS, JSON.stringify(outcome.failureKinds));
  assert.deepEqual(outcome.failureKinds, { [kind]: OPERATIONS });
}

describe('connect-churn over plain TCP: accepted connections and failures by kind', () => {
  let secured: TestBroker;
  let hangUp: TcpPeer;
  let silent: TcpPeer;

  before(async () => {
    secured = await startMosquittoWithPassword(USER, PASSWORD);
    // Reads the CONNECT, then closes its side (a FIN, no reset: nothing is left unread).
    hangUp = await startTcpPeer((socket) => socket.once('data', () => socket.end()));
    silent = await startTcpPeer(() => undefined);
  });
  after(async () => {
    await hangUp?.close();
    await silent?.close();
    await secured?.stop();
  });

  test(
    "with the password file's credentials (3.1.1 and 5): every connection accepted and " + 'closed, both ways out',
    async () => {
      for (const protocolVersion of [4, 5]) {
        const outcome = await churnCycle(secured.port, { username: USER, password: PASSWORD }, { protocolVersion });
        assert.equal(outcome.operations, OPERATIONS);
        assert.equal(outcome.failures, 0, `MQTT level ${protocolVersion}: ${JSON.stringify(outcome.failureKinds)}`);
      }
    },
  );

  test(
    'no or wrong credentials: every connection refused, tallied as connack-N with the code ' + 'RawMqttConnection gets',
    async () => {
      for (const protocolVersion of [4, 5] as const) {
        for (const credentials of [undefined, { username: USER, password: 'wrong' }]) {
          const kind = await rawFailureKind(secured.port, protocolVersion, credentials);
          assert.match(
            kind,
            /^connack-[1-9]\d*$/,
            `Mosquitto refuses level ${protocolVersion} ${credentials === undefined ? 'anonymous' : 'wrong password'}`,
          );
          assertAllFailed(await churnCycle(secured.port, credentials, { protocolVersion }), kind);
        }
      }
    },
  );

  test(
    'a peer that closes on the CONNECT without CONNACK; a closed port refuses; a silent peer ' + 'times out',
    async () => {
      assert.equal(await rawFailureKind(hangUp.port, 4, undefined), 'closed-before-connack');
      assertAllFailed(await churnCycle(hangUp.port, undefined), 'closed-before-connack');

      const closedPort = await freePort();
      assert.equal(await rawFailureKind(closedPort, 4, undefined), 'ECONNREFUSED');
      assertAllFailed(await churnCycle(closedPort, undefined), 'ECONNREFUSED');

      assert.equal(await rawFailureKind(silent.port, 4, undefined, 100), 'timeout');
      assertAllFailed(await churnCycle(silent.port, undefined, { connectTimeoutMs: 100 }), 'timeout');
    },
  );
});
