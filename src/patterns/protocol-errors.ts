import { usageError } from '../core/errors.js';
import { numberParam, type Params, stringParam } from '../core/params.js';
import { sleep } from '../core/sleep.js';
import { failureKind, runOperations } from '../load/pacing/run-operations.js';
import type { CaseContext, ProtocolCase } from '../protocol/cases.js';
import { type ConnectSpec, connect, propertyBlock, propertyBytes, reasonOnly } from '../protocol/encode.js';
import { familyNames, selectWalk, unknownNames, type WalkOptions, walkFamily } from '../protocol/generator.js';
import { property } from '../protocol/properties.js';
import { cite } from '../protocol/rules.js';
import type { PatternDefinition, VariantCase, VariantSpace } from './pattern.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { RawExchange } from './shared/raw-exchange.js';

// The error paths of the whole MQTT grammar: every field with each invalid value its type admits, every
// list with a valid prefix then one bad entry, cut packets, surplus bytes, wrong lengths and packets out
// of order (src/protocol/), each crossed with a clean or persistent session, a will or not, credentials
// or not, and three ways of leaving. One family per cycle, in rotation, so each family's growth is
// judged at its own size; within a family the cases rotate in a seeded order. docs/scenarios/protocol-errors.md.

/** Client ids are reused from a pool per family, so persistent sessions the broker rightly keeps stay bounded. */
const CLIENT_POOL = 64;
/** Keep-alive of a CONNECT whose client then goes silent: the broker closes it after 1.5 × this (§3.1.2.10). */
const SILENT_KEEPALIVE_S = 1;
/** Keep-alive otherwise. */
const KEEPALIVE_S = 30;
/** Answers of a case that did not reach what it tests; counted apart, never as clean. */
export const NOT_APPLICABLE = 'not-applicable';
/** Check per family: some case of it reached the broker's handling of what it tests. */
export const EXERCISED_CHECK = 'exercised';

function list(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function walkOptions(params: Params, credentials: boolean): WalkOptions {
  return { credentials, seed: numberParam(params, 'seed') };
}

/** The selected families, or exit 64 naming what exists. */
function selection(params: Params, credentials: boolean) {
  const families = list(stringParam(params, 'families'));
  const cases = list(stringParam(params, 'cases'));
  const options = walkOptions(params, credentials);
  const unknown = unknownNames(options, families, cases);
  if (unknown.families.length > 0)
    throw usageError(
      `--set families: no family ${unknown.families.join(', ')}`,
      `protocol-errors has: ${familyNames().join(', ')}`,
    );
  if (unknown.cases.length > 0) {
    const examples = (families.length > 0 ? families : familyNames())
      .map((name) => walkFamily(name, options).bases[0]?.id)
      .filter((id) => id !== undefined);
    throw usageError(
      `--set cases: no case ${unknown.cases.slice(0, 5).join(', ')}`,
      `a case is a base id (e.g. ${examples.slice(0, 3).join(', ')}) or one crossing of it ` +
        `(BASE~persistent+will/abrupt); \`mqleak list protocol-errors --cases\` is not there yet: see ` +
        'docs/scenarios/protocol-errors.md',
    );
  }
  return selectWalk(options, families, cases);
}

const NOMINAL_CONTEXT: CaseContext = {
  clientId: 'mqleak-case',
  topicPrefix: 'mqleak/RUN/pe',
  receiveMaximum: 20,
  topicAliasMaximum: 10,
};

/** The CONNECT a crossed case starts from (valid), at the case's level. */
export function validConnect(
  item: ProtocolCase,
  clientId: string,
  willTopic: string,
  credentials: { username: string; password?: string } | undefined,
  sessionExpiry: number,
): ConnectSpec {
  const level = item.base.level;
  const persistent = item.session === 'persistent';
  const spec: ConnectSpec = {
    level,
    clean: !persistent,
    keepAlive: item.leave === 'silence' ? SILENT_KEEPALIVE_S : KEEPALIVE_S,
    clientId,
  };
  if (level === 5)
    spec.properties = propertyBlock(
      persistent ? [propertyBytes(property('sessionExpiryInterval'), sessionExpiry)] : [],
    );
  if (item.will)
    spec.will = {
      topic: willTopic,
      payload: Buffer.from('mqleak-will'),
      qos: 0,
      retain: false,
      ...(level === 5 ? { properties: propertyBlock([]) } : {}),
    };
  if (item.credentials && credentials !== undefined) {
    spec.username = credentials.username;
    if (credentials.password !== undefined) spec.password = Buffer.from(credentials.password);
  }
  return spec;
}

function caseHex(item: ProtocolCase): string {
  const spec = validConnect(item, NOMINAL_CONTEXT.clientId, 'mqleak/RUN/pe/will', undefined, 30);
  const packets = item.base.build(spec, NOMINAL_CONTEXT).map((encoded) => encoded.bytes);
  const prefix = item.base.phase === 'session' ? [connect(spec).bytes] : [];
  return Buffer.concat([...prefix, ...packets]).toString('hex');
}

export const protocolErrorsVariants: VariantSpace = {
  families(params) {
    return selection(params, false).map((family) => family.name);
  },
  // Narrowing runs cases one at a time within a time cap: it gets the base cases (each runs with its
  // crossings in rotation), a tenth as many as the crossed ones. `--set cases=` takes either.
  cases(params, family) {
    const picked = selection(params, false).find((f) => f.name === family);
    const seen = new Set<string>();
    return (picked?.cases ?? [])
      .filter((item) => !seen.has(item.base.id) && seen.add(item.base.id) !== undefined)
      .map(
        (item): VariantCase => ({
          id: item.base.id,
          description:
            `${item.base.words} (MQTT ${item.base.level === 5 ? '5.0' : '3.1.1'}; each crossing of session, ` +
            'will, credentials and way out in turn; the bytes shown are ' +
            `one: ${item.id}); ${cite(item.base.rule, item.base.level)}`,
          bytesHex: caseHex(item),
          rule: cite(item.base.rule, item.base.level),
        }),
      );
  },
  // The family alone keeps the run's own case selection: dropping it would walk cases the run never sent,
  // and miss the one that leaked when the family has more cases than a cycle's operations.
  restrict(params, family, caseId) {
    return { ...params, families: family, cases: caseId ?? stringParam(params, 'cases') };
  },
};

interface BrokerTraits {
  /** A valid 5.0 CONNECT was accepted. */
  mqtt5: boolean;
  /** A valid 3.1.1 CONNECT was accepted. */
  mqtt311: boolean;
  receiveMaximum: number;
  topicAliasMaximum: number;
}

/** 5.0 CONNACK properties (§3.2.2.3): Receive Maximum (0x21) and Topic Alias Maximum (0x22); absent: 65535 and 0. */
function connackLimits(packet: Buffer): { receiveMaximum: number; topicAliasMaximum: number } {
  let receiveMaximum = 65535;
  let topicAliasMaximum = 0;
  let at = 1;
  while (at < packet.length && ((packet[at] as number) & 0x80) !== 0) at++;
  at += 1 + 2; // remaining length's last byte, acknowledge flags, reason code
  let length = 0;
  let shift = 0;
  while (at < packet.length) {
    const byte = packet[at++] as number;
    length |= (byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
  }
  const end = Math.min(packet.length, at + length);
  while (at < end) {
    const id = packet[at++] as number;
    const size = { 33: 2, 34: 2, 19: 2, 36: 1, 37: 1, 40: 1, 41: 1, 42: 1, 17: 4, 39: 4 }[id];
    if (id === 0x21) receiveMaximum = packet.readUInt16BE(at);
    if (id === 0x22) topicAliasMaximum = packet.readUInt16BE(at);
    if (size !== undefined) at += size;
    else if (id === 0x26) at += 2 + packet.readUInt16BE(at) + 2 + packet.readUInt16BE(at + 2 + packet.readUInt16BE(at));
    else at += 2 + packet.readUInt16BE(at); // the string and binary properties
  }
  return { receiveMaximum, topicAliasMaximum };
}

export const protocolErrors: PatternDefinition = {
  name: 'protocol-errors',
  summary:
    'the error paths of the MQTT 3.1.1 and 5.0 grammar: invalid fields, bad entries after valid prefixes in ' +
    'every list, cut packets, surplus bytes, wrong lengths, packets out of order; crossed with session, will, ' +
    'credentials and the way out',
  operation: 'case',
  params: {
    families: {
      type: 'string',
      default: '',
      description:
        'comma-separated families to walk (empty: all of them, one per cycle in ' +
        `rotation): ${familyNames().join(', ')}`,
    },
    cases: {
      type: 'string',
      default: '',
      description:
        'comma-separated case ids to run (a base id such as connect-fields.reserved-flag.v311, or one ' +
        'crossing of it); empty: every case of the families, in rotation',
    },
    seed: {
      type: 'integer',
      default: 1,
      minimum: 0,
      maximum: 2147483647,
      description: 'orders the cases within each family (same seed, same order)',
    },
    answerTimeoutMs: {
      type: 'integer',
      default: 300,
      minimum: 20,
      maximum: 60000,
      description: 'wait this long for the broker to answer a case (a packet, a close); then the answer is `silence`',
    },
    silenceHoldMs: {
      type: 'integer',
      default: 1700,
      minimum: 10,
      maximum: 60000,
      description:
        'a client that leaves by going silent holds its connection this long (its keep-alive is 1 s: the ' +
        'broker should close it after 1.5 s)',
    },
    sessionExpirySeconds: {
      type: 'integer',
      default: 30,
      minimum: 1,
      maximum: 86400,
      description: 'Session Expiry Interval of the MQTT 5 persistent-session crossings',
    },
    connectTimeoutMs: {
      type: 'integer',
      default: 5000,
      minimum: 100,
      maximum: 60000,
      description: 'give up on one TCP connection after this long',
    },
  },
  variants: protocolErrorsVariants,
  extraCycleMs(params: Params) {
    return numberParam(params, 'silenceHoldMs') + numberParam(params, 'answerTimeoutMs');
  },
  async start(context) {
    const { host, port, transport } = context.broker;
    const params = context.params;
    const credentials = context.credentials;
    const families = selection(params, credentials !== undefined);
    const answerMs = numberParam(params, 'answerTimeoutMs');
    const holdMs = numberParam(params, 'silenceHoldMs');
    const connectTimeoutMs = numberParam(params, 'connectTimeoutMs');
    const sessionExpiry = numberParam(params, 'sessionExpirySeconds');
    const prefix = `mqleak-${context.runToken}-pe`;
    const topicPrefix = `mqleak/${context.runToken}/pe`;
    const willTopic = `${topicPrefix}/will`;
    const facts = new ProtocolFacts();
    const cursors = new Map<string, number>();
    /** The last case whose bytes went out: named when the broker stops taking connections. */
    let lastSent: string | null = null;
    let slot = 0;
    /** Connections open now: teardown closes whatever a case left (a safety net; each case closes its own). */
    const live = new Set<RawExchange>();

    const probe = async (level: 4 | 5): Promise<{ accepted: boolean; packet: Buffer | null }> => {
      const exchange = await RawExchange.open(host, port, transport, level, connectTimeoutMs);
      const spec: ConnectSpec = { level, clean: true, keepAlive: KEEPALIVE_S, clientId: `${prefix}-probe${level}` };
      if (level === 5) spec.properties = propertyBlock([]);
      if (credentials !== undefined) {
        spec.username = credentials.username;
        if (credentials.password !== undefined) spec.password = Buffer.from(credentials.password);
      }
      exchange.write(connect(spec).bytes);
      const answer = await exchange.next(0, connectTimeoutMs);
      const packet = exchange.received[0]?.bytes ?? null;
      exchange.close(reasonOnly('DISCONNECT', { level }).bytes);
      return { accepted: answer === 'connack-0x00', packet };
    };
    const v5 = await probe(5);
    const v311 = await probe(4);
    const traits: BrokerTraits = {
      mqtt5: v5.accepted,
      mqtt311: v311.accepted,
      ...(v5.accepted && v5.packet !== null
        ? connackLimits(v5.packet)
        : { receiveMaximum: 65535, topicAliasMaximum: 0 }),
    };

    const runCase = async (family: string, item: ProtocolCase): Promise<string> => {
      const base = item.base;
      const level = base.level;
      const clientId = `${prefix}-${family}-${slot++ % CLIENT_POOL}`;
      const caseContext: CaseContext = {
        clientId,
        topicPrefix,
        receiveMaximum: traits.receiveMaximum,
        topicAliasMaximum: traits.topicAliasMaximum,
      };
      const spec = validConnect(item, clientId, willTopic, credentials, sessionExpiry);
      let exchange: RawExchange;
      try {
        exchange = await RawExchange.open(host, port, transport, level, connectTimeoutMs);
      } catch (error) {
        throw Object.assign(error as Error, {
          code: lastSent === null ? failureKind(error) : `${failureKind(error)} after ${lastSent}`,
        });
      }
      live.add(exchange);
      try {
        let skip = 0;
        if (base.phase === 'session') {
          exchange.write(connect(spec).bytes);
          const connack = await exchange.next(0, connectTimeoutMs);
          if (connack !== 'connack-0x00') return `${NOT_APPLICABLE}:connect-${connack}`;
          skip = 1;
        }
        const packets = base.build(spec, caseContext);
        if (packets.length === 0) return `${NOT_APPLICABLE}:receive-maximum-${traits.receiveMaximum}`;
        if (base.notReading === true) exchange.pause();
        exchange.write(Buffer.concat(packets.map((encoded) => encoded.bytes)));
        lastSent = item.id;
        let answer: string;
        if (base.notReading === true) {
          await sleep(answerMs, context.signal);
          exchange.resume();
          answer = await exchange.next(skip, Math.min(answerMs, 50));
        } else {
          answer = await exchange.next(skip, answerMs);
        }
        if (level === 5 && !traits.mqtt5) answer = `${NOT_APPLICABLE}:mqtt5-refused:${answer}`;
        await leave(exchange, item, level);
        return answer;
      } finally {
        exchange.destroy();
        live.delete(exchange);
      }
    };

    const leave = async (exchange: RawExchange, item: ProtocolCase, level: 4 | 5): Promise<void> => {
      if (exchange.gone) return;
      switch (item.leave) {
        case 'disconnect':
          exchange.close(item.base.truncated === true ? undefined : reasonOnly('DISCONNECT', { level }).bytes);
          await exchange.closedWithin(answerMs);
          return;
        case 'abrupt':
          exchange.reset();
          return;
        case 'silence':
          await exchange.closedWithin(holdMs);
          return;
      }
    };

    return {
      async runCycle(request) {
        const family = families[request.index % families.length];
        if (family === undefined) return { operations: 0, failures: 0, failureKinds: {}, timedOut: false };
        const start = cursors.get(family.name) ?? 0;
        cursors.set(family.name, start + request.operations);
        const tally = await runOperations(
          request.operations,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          async (i) => {
            const item = family.cases[(start + i) % family.cases.length] as ProtocolCase;
            const answer = await runCase(family.name, item);
            const applicable = !answer.startsWith(NOT_APPLICABLE);
            // Per family (the variant): per case, the answers would be thousands of lines; narrowing reruns one case
            // and gets its own.
            facts.answer(family.name, answer);
            if (applicable) facts.check(`${EXERCISED_CHECK}:${family.name}`, true);
            else facts.declare(`${EXERCISED_CHECK}:${family.name}`);
          },
        );
        return { operations: tally.attempted, ...tally, ...facts.take(), variant: family.name };
      },
      teardown: async () => {
        for (const exchange of live) exchange.destroy();
        live.clear();
      },
      lastOperation: () => (lastSent === null ? null : `the last case sent was ${lastSent}`),
    };
  },
};
