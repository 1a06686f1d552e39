import { answerName, attemptConnect } from '../load/clients/connect-attempt.js';
import { encodeConnect, FLAG_RESERVED, prop, PROPERTY, type ConnectFields } from '../load/wire/connect-packet.js';
import { openObserver, type Observer } from '../load/clients/observer-client.js';
import { runOperations } from '../load/pacing/run-operations.js';
import { tcpHold } from '../load/checks/tcp-check.js';
import { sleep } from '../core/sleep.js';
import { ACCEPTED_ANSWER, type PatternDefinition, type VariantCase, type VariantSpace } from './pattern.js';
import { cycleFamily } from './shared/rotation.js';
import type { Credentials } from '../core/credentials.js';
import { numberParam, stringParam, type Params } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';

// Connections the broker refuses. The error path during connection setup is where broker history leaks
// most: a session, a will, an auth context allocated for a CONNECT that is then refused or malformed, and
// not freed on that way out. Each variant goes with and without a will; the report says per variant
// what the broker answered, so "not exercised" (it accepted a bad password: anonymous access is on)
// is never mistaken for "exercised and clean".

export const REJECTION_VARIANTS = [
  'bad-password',
  'no-credentials',
  'unsupported-version',
  'rejected-client-id',
  'malformed-reserved-flag',
  'malformed-protocol-name',
  'malformed-truncated',
  'invalid-property',
  'duplicate-property',
] as const;
export type RejectionVariant = (typeof REJECTION_VARIANTS)[number];

/** Protocol level 6 does not exist (3.1.1 is 4, 5.0 is 5): CONNACK 0x01 "unacceptable protocol version" in 3.1.1. */
const UNSUPPORTED_LEVEL = 6;
/** Bytes of the CONNECT's body sent before the client goes quiet (the protocol name's length and part of it). */
const TRUNCATED_BODY_BYTES = 5;
/** Time left after a cycle for a will the broker wrongly published to reach the observer. */
const WILL_DRAIN_MS = 300;
/** The user name tried for bad-password when no credentials were given. */
const UNKNOWN_USER = 'mqleak-no-such-user';
/** Check: no will was published for a CONNECT with a will that the broker refused or never completed. */
export const WILL_CHECK = 'refused-will-not-published';

export interface RejectionAttempt {
  variant: RejectionVariant;
  will: boolean;
}

/** The variant × will combinations a run rotates through, in a fixed order. */
export function rejectionAttempts(variant: string, will: string): RejectionAttempt[] {
  const variants = variant === 'all' ? [...REJECTION_VARIANTS] : REJECTION_VARIANTS.filter((name) => name === variant);
  const wills = will === 'both' ? [false, true] : [will === 'with'];
  return wills.flatMap((withWill) => variants.map((name) => ({ variant: name, will: withWill })));
}

/**
 * The protocol level the broker's answer is parsed with: MQTT 5 variants are MQTT 5, the rest follow `protocolVersion`.
 */
function levelFor(variant: RejectionVariant, protocolVersion: 4 | 5): 4 | 5 {
  if (variant === 'invalid-property' || variant === 'duplicate-property') return 5;
  if (variant === 'unsupported-version' || variant === 'rejected-client-id') return 4;
  return protocolVersion;
}

export interface AttemptContext {
  clientId: string;
  willTopic: string;
  /** Identifies the attempt in the will payload, so the observer can tell which will it saw. */
  serial: number;
  protocolVersion: 4 | 5;
  credentials?: Credentials;
}

/** The CONNECT bytes of one attempt. */
export function rejectionPacket(attempt: RejectionAttempt, context: AttemptContext): Buffer {
  const level = levelFor(attempt.variant, context.protocolVersion);
  const fields: ConnectFields = { protocolName: 'MQTT', level, clean: true, keepalive: 30, clientId: context.clientId };
  if (context.credentials !== undefined) {
    fields.username = context.credentials.username;
    if (context.credentials.password !== undefined) fields.password = context.credentials.password;
  }
  if (attempt.will) {
    fields.will = {
      topic: context.willTopic,
      payload: Buffer.from(String(context.serial)),
      qos: 1,
      retain: false,
      properties: level === 5 ? prop.pair(PROPERTY.userProperty, 'mqleak', 'rejected-connect') : undefined,
    };
  }
  switch (attempt.variant) {
    case 'bad-password':
      fields.username = context.credentials?.username ?? UNKNOWN_USER;
      fields.password = `${context.credentials?.password ?? ''}-not-the-password`;
      break;
    case 'no-credentials':
      delete fields.username;
      delete fields.password;
      break;
    case 'unsupported-version':
      fields.level = UNSUPPORTED_LEVEL;
      break;
    case 'rejected-client-id':
      // 3.1.1 (3.1.3.1): a zero-length client id with clean session 0 must get CONNACK 0x02.
      fields.clientId = '';
      fields.clean = false;
      break;
    case 'malformed-reserved-flag':
      fields.extraFlags = FLAG_RESERVED;
      break;
    case 'malformed-protocol-name':
      fields.protocolName = 'MQTX';
      break;
    case 'malformed-truncated':
      fields.truncateTo = TRUNCATED_BODY_BYTES;
      break;
    case 'invalid-property':
      // Payload Format Indicator belongs to PUBLISH and wills, never to CONNECT's own properties.
      fields.properties = prop.u8(PROPERTY.payloadFormatIndicator, 1);
      break;
    case 'duplicate-property':
      // 3.1.2.11.2: Session Expiry Interval more than once is a protocol error.
      fields.properties = Buffer.concat([
        prop.u32(PROPERTY.sessionExpiryInterval, 10),
        prop.u32(PROPERTY.sessionExpiryInterval, 10),
      ]);
      break;
  }
  return encodeConnect(fields);
}

/** What each refusal sends and the rule that makes the broker refuse it. */
const REFUSAL_WORDS: Record<RejectionVariant, { words: string; rule: string }> = {
  'bad-password': {
    words: 'a CONNECT with a user name and a wrong password',
    rule: 'MQTT 3.1.1 3.2.2.3 (CONNACK 0x04/0x05), MQTT 5.0 3.2.2.2 (0x86/0x87)',
  },
  'no-credentials': {
    words: 'a CONNECT without user name or password to a broker that wants them',
    rule: 'MQTT 3.1.1 3.2.2.3 (CONNACK 0x05), MQTT 5.0 3.2.2.2 (0x87)',
  },
  'unsupported-version': {
    words: `a CONNECT with protocol level ${UNSUPPORTED_LEVEL}, which no MQTT version has`,
    rule: 'MQTT 3.1.1 3.1.2.2 [MQTT-3.1.2-2]: CONNACK 0x01 and close',
  },
  'rejected-client-id': {
    words: 'a CONNECT with a zero-length client id and clean session 0',
    rule: 'MQTT 3.1.1 3.1.3.1 [MQTT-3.1.3-8]: CONNACK 0x02 and close',
  },
  'malformed-reserved-flag': {
    words: 'a CONNECT whose reserved connect flag (bit 0) is 1',
    rule: 'MQTT 3.1.1 3.1.2.3 [MQTT-3.1.2-3], MQTT 5.0 3.1.2.3: malformed, close',
  },
  'malformed-protocol-name': {
    words: 'a CONNECT whose protocol name is "MQTX"',
    rule: 'MQTT 3.1.1 3.1.2.1 [MQTT-3.1.2-1]: may close without CONNACK',
  },
  'malformed-truncated': {
    words:
      `a CONNECT cut off after ${TRUNCATED_BODY_BYTES} bytes of its body, then silence, then the connection ` +
      'dropped',
    rule: 'MQTT 3.1.1 4.8 / MQTT 5.0 4.13: an incomplete packet; the broker must not keep state for it',
  },
  'invalid-property': {
    words: 'an MQTT 5 CONNECT carrying Payload Format Indicator in its own properties (only PUBLISH and wills may)',
    rule: 'MQTT 5.0 2.2.2.2 and 3.1.2.11: a property not allowed in CONNECT is a protocol error (0x81/0x82)',
  },
  'duplicate-property': {
    words: 'an MQTT 5 CONNECT with Session Expiry Interval twice',
    rule: 'MQTT 5.0 3.1.2.11.2: more than once is a protocol error (0x82)',
  },
};

/** `bad-password+will` → its attempt. */
function attemptOf(family: string): RejectionAttempt | null {
  const will = family.endsWith('+will');
  const variant = will ? family.slice(0, -'+will'.length) : family;
  return (REJECTION_VARIANTS as readonly string[]).includes(variant)
    ? { variant: variant as RejectionVariant, will }
    : null;
}

const familyName = (attempt: RejectionAttempt): string => (attempt.will ? `${attempt.variant}+will` : attempt.variant);

/**
 * One family per refusal × will: a broker that leaks only when a refused CONNECT carries a will (as
 * Debian's Mosquitto 2.0.11 does with authentication on) leaks in one family, judged at its own size.
 * Each family is one case: the same packet every time, but for its client id.
 */
export const REJECTION_VARIANT_SPACE: VariantSpace = {
  families: (params) => rejectionAttempts(stringParam(params, 'variant'), stringParam(params, 'will')).map(familyName),
  cases(params, family): VariantCase[] {
    const attempt = attemptOf(family);
    if (attempt === null) return [];
    const words = REFUSAL_WORDS[attempt.variant];
    const bytes = rejectionPacket(attempt, {
      clientId: 'mqleak-case',
      willTopic: 'mqleak/case/rejected-will',
      serial: 0,
      protocolVersion: numberParam(params, 'protocolVersion') as 4 | 5,
    });
    return [
      {
        id: family,
        description:
          `${words.words}${attempt.will ? ', with a QoS 1 will' : ''} (client id mqleak-<run>-rej-<n>; hex ` +
          'shown with client id "mqleak-case"' +
          `${attempt.variant === 'bad-password' || attempt.variant === 'no-credentials' ? ' and no --username' : ''})`,
        bytesHex: bytes.toString('hex'),
        rule: words.rule,
      },
    ];
  },
  restrict(params, family) {
    const attempt = attemptOf(family);
    if (attempt === null) return params;
    return { ...params, variant: attempt.variant, will: attempt.will ? 'with' : 'without' };
  },
};

export const rejectedConnect: PatternDefinition = {
  name: 'rejected-connect',
  summary:
    'CONNECTs the broker must refuse: bad or missing credentials, unsupported version, ' +
    'rejected client id, malformed packets, bad MQTT 5 properties; with and without a will',
  operation: 'connection',
  variants: REJECTION_VARIANT_SPACE,
  params: {
    variant: {
      type: 'string',
      default: 'all',
      enum: ['all', ...REJECTION_VARIANTS],
      description: 'which refusal to try: one variant, or all of them in turn',
    },
    will: {
      type: 'string',
      default: 'both',
      enum: ['both', 'with', 'without'],
      description: 'CONNECTs with a will message, without, or both in turn',
    },
    protocolVersion: {
      type: 'integer',
      default: 4,
      minimum: 4,
      maximum: 5,
      description:
        'MQTT level of the variants that exist in both (credentials, malformed); the ' +
        'property variants are always 5, unsupported-version and rejected-client-id 3.1.1',
    },
    answerTimeoutMs: {
      type: 'integer',
      default: 2000,
      minimum: 100,
      maximum: 60000,
      description: 'wait this long for the broker to answer or close; then the answer is `timeout`',
    },
    truncatedHoldMs: {
      type: 'integer',
      default: 300,
      minimum: 10,
      maximum: 60000,
      description: 'malformed-truncated: hold the half-sent CONNECT this long for the broker to act, then vanish',
    },
    connectTimeoutMs: {
      type: 'integer',
      default: 5000,
      minimum: 100,
      maximum: 60000,
      description: 'give up on one TCP connection after this long',
    },
  },
  // Each refused CONNECT is independent: over agents each runs a share of every cycle, with its own will
  // observer (one more connection per agent, held over the scenario).
  splitsCycles: {},
  extraCycleMs(params: Params) {
    const attempts = rejectionAttempts(stringParam(params, 'variant'), stringParam(params, 'will'));
    const truncated = attempts.filter((attempt) => attempt.variant === 'malformed-truncated').length / attempts.length;
    const held = Math.ceil(numberParam(params, 'operationsPerCycle') * truncated);
    return (held / numberParam(params, 'concurrency')) * numberParam(params, 'truncatedHoldMs') + WILL_DRAIN_MS;
  },
  async start(context) {
    const { host, port, transport } = context.broker;
    const params = context.params;
    const attempts = rejectionAttempts(stringParam(params, 'variant'), stringParam(params, 'will'));
    const protocolVersion = numberParam(params, 'protocolVersion') as 4 | 5;
    const answerTimeoutMs = numberParam(params, 'answerTimeoutMs');
    const holdMs = numberParam(params, 'truncatedHoldMs');
    const connectTimeoutMs = numberParam(params, 'connectTimeoutMs');
    const prefix = `mqleak-${context.runToken}-rej`;
    const willTopic = `mqleak/${context.runToken}/rejected-will`;
    const facts = new ProtocolFacts();
    /** Serials of with-will attempts the broker refused (or never completed) this cycle, and wills seen for them. */
    let refusedWithWill = new Set<number>();
    let willsSeen = new Set<number>();
    let serial = 0;

    let observer: Observer | null = null;
    try {
      observer = await openObserver({
        broker: context.broker,
        clientId: `${prefix}-observer`,
        filter: willTopic,
        credentials: context.credentials,
        timeoutMs: connectTimeoutMs,
        onMessage: (_topic, payload) => willsSeen.add(Number(payload.toString())),
      });
    } catch {
      // No observer (the broker wants credentials mqleak was not given): the will check is not exercised.
      observer = null;
    }

    const families = attempts.map(familyName);
    const operation = async (index: number, cycleAttempts: readonly RejectionAttempt[]): Promise<void> => {
      const attempt = cycleAttempts[index % cycleAttempts.length] as RejectionAttempt;
      const id = serial++;
      const bytes = rejectionPacket(attempt, {
        clientId: `${prefix}-${id}`,
        willTopic,
        serial: id,
        protocolVersion,
        credentials: context.credentials,
      });
      const name = attempt.will ? `${attempt.variant}+will` : attempt.variant;
      let answer: string;
      if (attempt.variant === 'malformed-truncated') {
        const { end } = await tcpHold(host, port, bytes, holdMs, connectTimeoutMs, transport, true);
        answer = end === 'gave-up' ? 'timeout' : end === 'broker-reset' ? 'reset' : 'closed';
      } else {
        const result = await attemptConnect(
          host,
          port,
          bytes,
          levelFor(attempt.variant, protocolVersion),
          answerTimeoutMs,
          transport,
        );
        answer = result.kind === 'connack' && result.code === 0 ? ACCEPTED_ANSWER : answerName(result);
      }
      facts.answer(name, answer);
      if (attempt.will && answer !== ACCEPTED_ANSWER) refusedWithWill.add(id);
    };

    return {
      async runCycle(request) {
        const first = request.index * request.operations;
        // One family per measured cycle (its growth is credited to it); warm-up and short runs mix them all.
        const family = cycleFamily(params, families, request.index);
        const cycleAttempts = family === undefined ? attempts : attempts.filter((a) => familyName(a) === family);
        const tally = await runOperations(
          request.operations,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          (i) => operation(first + i, cycleAttempts),
        );
        if (observer?.connected === true) {
          await sleep(WILL_DRAIN_MS, context.signal);
          for (const id of refusedWithWill) facts.check(WILL_CHECK, !willsSeen.has(id));
        } else if (attempts.some((attempt) => attempt.will)) {
          facts.declare(WILL_CHECK);
        }
        refusedWithWill = new Set();
        willsSeen = new Set();
        return {
          operations: tally.attempted,
          ...tally,
          ...facts.take(),
          ...(family === undefined ? {} : { variant: family }),
        };
      },
      teardown: async () => {
        await observer?.close();
        observer = null;
      },
    };
  },
};
