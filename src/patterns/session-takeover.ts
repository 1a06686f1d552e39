import type { Packet } from 'mqtt-packet';
import { connectExtrasFor, isProtocolLevelRefusal, MQTT5_VARIANT, waitForClose } from '../load/wire/raw-helpers.js';
import { RawMqttConnection, type ProtocolVersion } from '../load/clients/raw-mqtt-client.js';
import { runOperations } from '../load/pacing/run-operations.js';
import { isAbrupt } from './connect-churn.js';
import { cycleFamily, shareSides, shareVariantSpace } from './shared/rotation.js';
import type { PatternDefinition } from './pattern.js';
import { numberParam } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { shareSpec } from './shared/param-specs.js';

// A second connection with the client id of a live one: the broker must close the first (3.1.1
// 3.1.4-2; MQTT 5 first sends it DISCONNECT 0x8E "session taken over") and hand the id to the second.
// Two connections briefly own one session: the takeover path is where a broker frees the loser's
// socket, buffers and registration, or forgets to.

/** Checks: the broker closed the first connection; on MQTT 5 it sent it DISCONNECT 0x8E (session taken over) first. */
export const FIRST_CLOSED = 'first-connection-closed';
export const DISCONNECT_8E = 'disconnect-0x8e-sent';
/** MQTT 5 reason code 0x8E: Session taken over. */
const SESSION_TAKEN_OVER = 0x8e;

const TAKEOVER_AXES = [
  { param: 'v5Share', yes: 'v5', no: 'v4' },
  { param: 'abruptShare', yes: 'abrupt', no: 'disconnect' },
] as const;
const TAKEN_OVER_RULE =
  'MQTT 3.1.1 3.1.4 [MQTT-3.1.4-2] / MQTT 5.0 3.1.4: the broker must close the existing connection of that ' +
  'client id (5.0: DISCONNECT 0x8E)';

/** One family per protocol level × way the second connection leaves, as the shares make them. */
export const TAKEOVER_VARIANT_SPACE = shareVariantSpace(TAKEOVER_AXES, {
  'v4-disconnect': { words: 'an MQTT 3.1.1 takeover; the second connection then DISCONNECTs', rule: TAKEN_OVER_RULE },
  'v4-abrupt': { words: 'an MQTT 3.1.1 takeover; the second connection then vanishes', rule: TAKEN_OVER_RULE },
  'v5-disconnect': { words: 'an MQTT 5 takeover; the second connection then DISCONNECTs', rule: TAKEN_OVER_RULE },
  'v5-abrupt': { words: 'an MQTT 5 takeover; the second connection then vanishes', rule: TAKEN_OVER_RULE },
});

export const sessionTakeover: PatternDefinition = {
  name: 'session-takeover',
  summary:
    'a second connection with the client id of a live one; the broker must close the first (MQTT 5: DISCONNECT 0x8E)',
  operation: 'takeover',
  variants: TAKEOVER_VARIANT_SPACE,
  params: {
    v5Share: shareSpec(
      'share of takeovers on MQTT 5 (the first connection must get DISCONNECT 0x8E); the rest on 3.1.1',
    ),
    abruptShare: shareSpec('share of second connections that vanish without DISCONNECT at the end'),
    takeoverWaitMs: {
      type: 'integer',
      default: 3000,
      minimum: 100,
      maximum: 60000,
      description:
        'wait this long after the second CONNACK for the broker to close the first ' +
        'connection; the check fails after it',
    },
    connectTimeoutMs: {
      type: 'integer',
      default: 5000,
      minimum: 100,
      maximum: 60000,
      description: 'give up on one connection (to CONNACK) after this long',
    },
  },
  async start(context) {
    const { host, port, transport } = context.broker;
    const params = context.params;
    const v5Share = numberParam(params, 'v5Share');
    const abruptShare = numberParam(params, 'abruptShare');
    const waitMs = numberParam(params, 'takeoverWaitMs');
    const timeoutMs = numberParam(params, 'connectTimeoutMs');
    const prefix = `mqleak-${context.runToken}-take`;
    const extras = connectExtrasFor(context.credentials);
    const facts = new ProtocolFacts();
    let serial = 0;
    let v5Refused = false;

    const connect = (
      clientId: string,
      protocolVersion: ProtocolVersion,
      onPacket?: (packet: Packet) => void,
    ): Promise<RawMqttConnection> =>
      RawMqttConnection.connect({
        host,
        port,
        transport,
        clientId,
        protocolVersion,
        keepalive: 30,
        clean: true,
        timeoutMs,
        onPacket,
        connectExtras: extras,
      });

    const families = TAKEOVER_VARIANT_SPACE.families(params);
    /** This cycle's family sides (rotation), or null when the shares mix them. */
    let sides: Record<string, boolean> | null = null;

    const operation = async (): Promise<void> => {
      const id = serial++;
      const protocolVersion: ProtocolVersion = (sides?.v5Share ?? isAbrupt(id, v5Share)) && !v5Refused ? 5 : 4;
      const clientId = `${prefix}-${id}`;
      let reason: number | null = null;
      let first: RawMqttConnection;
      try {
        first = await connect(clientId, protocolVersion, (packet) => {
          if (packet.cmd === 'disconnect') reason = packet.reasonCode ?? 0;
        });
      } catch (error) {
        if (protocolVersion !== 5 || !isProtocolLevelRefusal(error)) throw error;
        v5Refused = true;
        facts.answer(MQTT5_VARIANT, `refused: ${(error as { kind: string }).kind}`);
        return operation(); // the same operation again, on 3.1.1
      }
      let second: RawMqttConnection;
      try {
        second = await connect(clientId, protocolVersion);
      } catch (error) {
        first.vanish();
        throw error;
      }
      const takenAt = Date.now();
      const closed = await waitForClose(first.socket, waitMs);
      facts.check(FIRST_CLOSED, closed);
      if (closed) facts.observe('takeoverCloseMs', Date.now() - takenAt);
      else first.vanish();
      if (protocolVersion === 5) facts.check(DISCONNECT_8E, reason === SESSION_TAKEN_OVER);
      if (reason !== null && reason !== SESSION_TAKEN_OVER)
        facts.answer('first-connection-disconnect', `0x${(reason as number).toString(16)}`);
      if (sides?.abruptShare ?? isAbrupt(id, abruptShare)) second.vanish();
      else await second.disconnect();
    };

    return {
      async runCycle(request) {
        // One family per measured cycle, in rotation (its growth credited to it); warm-up mixes them by the shares.
        const family = cycleFamily(params, families, request.index);
        sides = family === undefined ? null : shareSides(family, TAKEOVER_AXES);
        const tally = await runOperations(
          request.operations,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          operation,
        );
        if (v5Refused && v5Share > 0) facts.declare(DISCONNECT_8E);
        return {
          operations: tally.attempted,
          ...tally,
          ...facts.take(),
          ...(family === undefined ? {} : { variant: family }),
        };
      },
      teardown: async () => undefined,
    };
  },
};
