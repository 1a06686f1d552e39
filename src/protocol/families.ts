import { varInt } from '../core/var-int.js';
// The families of the protocol-errors walk, each generated from the grammar (packets.ts, properties.ts)
// and the rules (rules.ts) alone: no case exists because one broker once failed there.

import type { BaseCase, CaseContext, Level } from './cases.js';
import {
  ack,
  type ConnectSpec,
  connect,
  type Encoded,
  frame,
  pingreq,
  propertyBlock,
  propertyBytes,
  publish,
  reasonOnly,
  type Subscription,
  subscribe,
  unsubscribe,
  u8,
  u16,
} from './encode.js';
import { badEntries, blockWithBadEntry } from './lists.js';
import { PACKETS, type PacketName } from './packets.js';
import { type PropertyBlock, property } from './properties.js';
import type { RuleId } from './rules.js';

const LEVELS: readonly Level[] = [4, 5];
const INVALID_UTF8 = Buffer.from([0xc3, 0x28]);
const SURROGATE = Buffer.from([0xed, 0xa0, 0x80]);
const NULL_CHAR = Buffer.from([0x61, 0x00, 0x62]);
/** PUBLISHes sent with one QoS 2 packet id before any PUBREL (the client not reading). */
export const QOS2_REUSE_COUNT = 20;
/** The largest Receive Maximum the overrun case fills (+1); beyond it the case is not applicable here. */
export const RECEIVE_MAXIMUM_CAP = 1024;
/** Entries of valid prefix before the bad one: 0..PREFIX_MAX. */
export const PREFIX_MAX = 2;

type Build = BaseCase['build'];

function make(family: string, name: string, level: Level, fields: Omit<BaseCase, 'id' | 'family' | 'level'>): BaseCase {
  return { id: `${family}.${name}.v${level === 5 ? 5 : 311}`, family, level, ...fields };
}

const one =
  (encode: (spec: ConnectSpec, context: CaseContext) => Encoded): Build =>
  (spec, context) => [encode(spec, context)];

function topic(context: CaseContext, leaf: string): string {
  return `${context.topicPrefix}/${leaf}`;
}

// --- CONNECT fields ------------------------------------------------------------------------------
function connectFields(): BaseCase[] {
  const family = 'connect-fields';
  const out: BaseCase[] = [];
  for (const level of LEVELS) {
    const add = (
      name: string,
      rule: RuleId,
      words: string,
      mutate: (spec: ConnectSpec) => ConnectSpec,
      extra: Partial<BaseCase> = {},
    ) =>
      out.push(
        make(family, name, level, {
          phase: 'connect',
          rule,
          words,
          build: one((spec) => connect(mutate(spec))),
          ...extra,
        }),
      );
    for (const name of ['MQTX', '', 'MQIsdp'])
      add(`protocol-name-${name || 'empty'}`, 'protocolName', `CONNECT with protocol name "${name}"`, (s) => ({
        ...s,
        protocolName: name,
      }));
    for (const value of [0, 6, 255])
      add(`protocol-level-${value}`, 'protocolLevel', `CONNECT with protocol level ${value}`, (s) => ({
        ...s,
        level: value,
      }));
    add('reserved-flag', 'connectReservedFlag', 'CONNECT with reserved connect flag bit 0 set', (s) => ({
      ...s,
      extraFlags: 0x01,
    }));
    add(
      'will-qos-3',
      'willQosThree',
      'CONNECT with a will at QoS 3',
      (s) => ({ ...s, will: s.will ? { ...s.will, qos: 3 } : s.will }),
      { wills: [true] },
    );
    add(
      'will-qos-without-will',
      'willQosWithoutWill',
      'CONNECT with will QoS 1 and the will flag 0',
      (s) => ({ ...s, extraFlags: 0x08 }),
      { wills: [false] },
    );
    add(
      'will-retain-without-will',
      'willRetainWithoutWill',
      'CONNECT with will retain set and the will flag 0',
      (s) => ({ ...s, extraFlags: 0x20 }),
      { wills: [false] },
    );
    if (level === 4)
      add('password-without-user', 'passwordWithoutUser', 'CONNECT with a password and no user name', (s) => {
        const { username: _omit, ...rest } = s;
        return { ...rest, password: s.password ?? Buffer.from('mqleak') };
      });
    if (level === 4)
      add(
        'empty-client-id-persistent',
        'emptyClientIdPersistent',
        'CONNECT with a zero-length client id and clean session 0',
        (s) => ({ ...s, clientId: '', clean: false }),
        { sessions: ['persistent'] },
      );
    for (const [label, bytes, rule] of [
      ['utf8', INVALID_UTF8, 'utf8WellFormed'],
      ['surrogate', SURROGATE, 'utf8WellFormed'],
      ['null', NULL_CHAR, 'utf8NoNull'],
    ] as const) {
      add(
        `client-id-${label}`,
        rule,
        'CONNECT whose client id is ' +
          (label === 'null' ? 'U+0000 inside' : label === 'surrogate' ? 'a surrogate (ED A0 80)' : 'not UTF-8 (C3 28)'),
        (s) => ({ ...s, clientId: Buffer.concat([Buffer.from(String(s.clientId)), bytes]) }),
      );
      add(
        `will-topic-${label}`,
        rule,
        'CONNECT whose will topic ' +
          `is ${label === 'null' ? 'U+0000 inside' : label === 'surrogate' ? 'a surrogate' : 'not UTF-8'}`,
        (s) => ({ ...s, will: s.will ? { ...s.will, topic: bytes } : s.will }),
        { wills: [true] },
      );
      add(
        `user-name-${label}`,
        rule,
        'CONNECT whose user name ' +
          `is ${label === 'null' ? 'U+0000 inside' : label === 'surrogate' ? 'a surrogate' : 'not UTF-8'}`,
        (s) => ({ ...s, username: bytes }),
      );
    }
    for (const [label, value, rule] of [
      ['hash', 'a/#', 'topicNameNoWildcards'],
      ['plus', 'a/+/b', 'topicNameNoWildcards'],
      ['empty', '', 'topicNonEmpty'],
    ] as const)
      add(
        `will-topic-${label}`,
        rule,
        `CONNECT whose will topic is "${value}"`,
        (s) => ({ ...s, will: s.will ? { ...s.will, topic: value } : s.will }),
        { wills: [true] },
      );
  }
  return out;
}

// --- Property lists: a valid prefix of 0..k entries, then one bad entry ------------------------------
function listCases(
  family: string,
  block: PropertyBlock,
  phase: BaseCase['phase'],
  wrap: (properties: Buffer, spec: ConnectSpec, context: CaseContext) => Encoded,
  extra: Partial<BaseCase> = {},
): BaseCase[] {
  const out: BaseCase[] = [];
  for (const entry of badEntries(block)) {
    for (let prefix = 0; prefix <= PREFIX_MAX; prefix++) {
      out.push(
        make(family, `${entry.name}@${prefix}`, 5, {
          phase,
          rule: entry.rule,
          words: `${block} properties: ${prefix} valid ${prefix === 1 ? 'entry' : 'entries'}, then ${entry.words}`,
          build: one((spec, context) => wrap(blockWithBadEntry(block, prefix, entry), spec, context)),
          ...extra,
        }),
      );
    }
  }
  return out;
}

function propertyFamilies(): Map<string, BaseCase[]> {
  const families = new Map<string, BaseCase[]>();
  families.set(
    'connect-properties',
    listCases('connect-properties', 'connect', 'connect', (properties, spec) => connect({ ...spec, properties })),
  );
  families.set(
    'will-properties',
    listCases(
      'will-properties',
      'will',
      'connect',
      (properties, spec) => connect({ ...spec, will: spec.will ? { ...spec.will, properties } : spec.will }),
      { wills: [true] },
    ),
  );
  families.set(
    'publish-properties',
    listCases('publish-properties', 'publish', 'session', (properties, _spec, context) =>
      publish({
        level: 5,
        topic: topic(context, 'p'),
        qos: 1,
        packetId: 1,
        properties,
        payload: Buffer.from('mqleak'),
      }),
    ),
  );
  families.set(
    'ack-properties',
    (['PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP'] as const).flatMap((type) =>
      listCases('ack-properties', 'ack', 'session', (properties) =>
        ack(type, { level: 5, packetId: 1, reasonCode: 0, properties }),
      ).map((item) => ({
        ...item,
        id: item.id.replace('ack-properties.', `ack-properties.${type.toLowerCase()}-`),
        words: `${type} ${item.words}`,
      })),
    ),
  );
  return families;
}

// --- PUBLISH, acks, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT/AUTH/PINGREQ fields -----------------------------
function publishFields(): BaseCase[] {
  const family = 'publish-fields';
  const out: BaseCase[] = [];
  for (const level of LEVELS) {
    const add = (name: string, rule: RuleId, words: string, encode: (context: CaseContext) => Encoded) =>
      out.push(
        make(family, name, level, { phase: 'session', rule, words, build: one((_spec, context) => encode(context)) }),
      );
    const payload = Buffer.from('mqleak');
    add('qos-3', 'publishQosThree', 'PUBLISH with both QoS bits set', (c) =>
      publish({ level, topic: topic(c, 'p'), qos: 3, packetId: 1, payload }),
    );
    add('dup-qos-0', 'publishDupQosZero', 'PUBLISH at QoS 0 with DUP set', (c) =>
      publish({ level, topic: topic(c, 'p'), qos: 0, dup: true, payload }),
    );
    add('packet-id-0-qos-1', 'packetIdNonZero', 'PUBLISH at QoS 1 with packet id 0', (c) =>
      publish({ level, topic: topic(c, 'p'), qos: 1, packetId: 0, payload }),
    );
    add('packet-id-0-qos-2', 'packetIdNonZero', 'PUBLISH at QoS 2 with packet id 0', (c) =>
      publish({ level, topic: topic(c, 'p'), qos: 2, packetId: 0, payload }),
    );
    for (const [label, value] of [
      ['hash', '/#'],
      ['plus', '/+/x'],
    ] as const)
      add(`topic-${label}`, 'topicNameNoWildcards', `PUBLISH to a topic name with a wildcard (…${value})`, (c) =>
        publish({ level, topic: `${c.topicPrefix}${value}`, qos: 1, packetId: 1, payload }),
      );
    add('topic-empty', 'topicNonEmpty', 'PUBLISH to a zero-length topic name (no topic alias)', () =>
      publish({ level, topic: '', qos: 1, packetId: 1, payload }),
    );
    add('topic-utf8', 'utf8WellFormed', 'PUBLISH to a topic name that is not UTF-8', (c) =>
      publish({
        level,
        topic: Buffer.concat([Buffer.from(c.topicPrefix), INVALID_UTF8]),
        qos: 1,
        packetId: 1,
        payload,
      }),
    );
    add('topic-null', 'utf8NoNull', 'PUBLISH to a topic name holding U+0000', (c) =>
      publish({ level, topic: Buffer.concat([Buffer.from(c.topicPrefix), NULL_CHAR]), qos: 1, packetId: 1, payload }),
    );
    add('topic-surrogate', 'utf8WellFormed', 'PUBLISH to a topic name holding a surrogate', (c) =>
      publish({ level, topic: Buffer.concat([Buffer.from(c.topicPrefix), SURROGATE]), qos: 1, packetId: 1, payload }),
    );
  }
  return out;
}

const ACK_TYPES = ['PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP'] as const;

function ackFields(): BaseCase[] {
  const family = 'ack-fields';
  const out: BaseCase[] = [];
  for (const level of LEVELS) {
    for (const type of ACK_TYPES) {
      const lower = type.toLowerCase();
      const good = type === 'PUBREL' ? 2 : 0;
      const add = (name: string, rule: RuleId, words: string, encode: () => Encoded) =>
        out.push(make(family, `${lower}-${name}`, level, { phase: 'session', rule, words, build: one(encode) }));
      add('flags', 'fixedHeaderFlags', `${type} with fixed header flags ${good === 2 ? '0000' : '0010'}`, () =>
        ack(type, { level, packetId: 1 }, { flags: good === 2 ? 0 : 2 }),
      );
      add('packet-id-0', 'packetIdNonZero', `${type} for packet id 0`, () => ack(type, { level, packetId: 0 }));
      if (level === 5)
        add('reason-0x01', 'reasonCodeValid', `${type} with reason code 0x01, which its table does not list`, () =>
          ack(type, { level, packetId: 1, reasonCode: 0x01 }),
        );
    }
  }
  return out;
}

function subscribeCases(): BaseCase[] {
  const family = 'subscribe';
  const out: BaseCase[] = [];
  for (const level of LEVELS) {
    const add = (name: string, rule: RuleId, words: string, encode: (c: CaseContext) => Encoded) =>
      out.push(make(family, name, level, { phase: 'session', rule, words, build: one((_s, c) => encode(c)) }));
    const valid = (c: CaseContext, i: number): Subscription => ({ filter: topic(c, `f${i}`), options: 1 });
    add('flags', 'fixedHeaderFlags', 'SUBSCRIBE with fixed header flags 0000', (c) =>
      subscribe({ level, packetId: 1, subscriptions: [valid(c, 0)] }, { flags: 0 }),
    );
    add('packet-id-0', 'packetIdNonZero', 'SUBSCRIBE with packet id 0', (c) =>
      subscribe({ level, packetId: 0, subscriptions: [valid(c, 0)] }),
    );
    add('empty-list', 'subscribeNonEmpty', 'SUBSCRIBE with no topic filter', () =>
      subscribe({ level, packetId: 1, subscriptions: [] }),
    );
    const badOptions: [string, RuleId, string, number][] = [
      ['qos-3', 'subscribeQosThree', 'maximum QoS 3', 3],
      ['reserved-bits', 'subscribeOptionsReserved', 'reserved option bits set', level === 5 ? 0xc1 : 0x05],
    ];
    if (level === 5) badOptions.push(['retain-handling-3', 'retainHandlingThree', 'Retain Handling 3', 0x31]);
    const badFilters: [string, RuleId, string, (c: CaseContext) => Buffer | string][] = [
      ['filter-hash-middle', 'wildcardPlacement', 'filter with # not last (…/#/x)', (c) => `${c.topicPrefix}/#/x`],
      ['filter-plus-partial', 'wildcardPlacement', 'filter with + inside a level (…/a+)', (c) => `${c.topicPrefix}/a+`],
      ['filter-empty', 'topicNonEmpty', 'zero-length filter', () => ''],
      [
        'filter-utf8',
        'utf8WellFormed',
        'filter that is not UTF-8',
        (c) => Buffer.concat([Buffer.from(c.topicPrefix), INVALID_UTF8]),
      ],
      [
        'filter-null',
        'utf8NoNull',
        'filter holding U+0000',
        (c) => Buffer.concat([Buffer.from(c.topicPrefix), NULL_CHAR]),
      ],
    ];
    for (let prefix = 0; prefix <= PREFIX_MAX; prefix++) {
      const head = (c: CaseContext) => Array.from({ length: prefix }, (_, i) => valid(c, i));
      const lead = `SUBSCRIBE with ${prefix} valid filter${prefix === 1 ? '' : 's'}, then`;
      for (const [name, rule, words, options] of badOptions)
        add(`${name}@${prefix}`, rule, `${lead} one with ${words}`, (c) =>
          subscribe({ level, packetId: 1, subscriptions: [...head(c), { filter: topic(c, 'bad'), options }] }),
        );
      for (const [name, rule, words, filter] of badFilters)
        add(`${name}@${prefix}`, rule, `${lead} a ${words}`, (c) =>
          subscribe({ level, packetId: 1, subscriptions: [...head(c), { filter: filter(c), options: 1 }] }),
        );
      if (level === 5)
        add(`no-local-shared@${prefix}`, 'noLocalShared', `${lead} a shared subscription with No Local set`, (c) =>
          subscribe({
            level,
            packetId: 1,
            subscriptions: [...head(c), { filter: `$share/mqleak/${c.topicPrefix}/s`, options: 0x05 }],
          }),
        );
    }
  }
  return [
    ...out,
    ...listCases('subscribe', 'subscribe', 'session', (properties, _s, c) =>
      subscribe({ level: 5, packetId: 1, properties, subscriptions: [{ filter: topic(c, 'f0'), options: 1 }] }),
    ),
  ];
}

function unsubscribeCases(): BaseCase[] {
  const family = 'unsubscribe';
  const out: BaseCase[] = [];
  for (const level of LEVELS) {
    const add = (name: string, rule: RuleId, words: string, encode: (c: CaseContext) => Encoded) =>
      out.push(make(family, name, level, { phase: 'session', rule, words, build: one((_s, c) => encode(c)) }));
    add('flags', 'fixedHeaderFlags', 'UNSUBSCRIBE with fixed header flags 0000', (c) =>
      unsubscribe({ level, packetId: 1, filters: [topic(c, 'f0')] }, { flags: 0 }),
    );
    add('packet-id-0', 'packetIdNonZero', 'UNSUBSCRIBE with packet id 0', (c) =>
      unsubscribe({ level, packetId: 0, filters: [topic(c, 'f0')] }),
    );
    add('empty-list', 'unsubscribeNonEmpty', 'UNSUBSCRIBE with no topic filter', () =>
      unsubscribe({ level, packetId: 1, filters: [] }),
    );
    for (let prefix = 0; prefix <= PREFIX_MAX; prefix++) {
      const head = (c: CaseContext) => Array.from({ length: prefix }, (_, i) => topic(c, `f${i}`));
      const lead = `UNSUBSCRIBE with ${prefix} valid filter${prefix === 1 ? '' : 's'}, then`;
      add(`filter-empty@${prefix}`, 'topicNonEmpty', `${lead} a zero-length filter`, (c) =>
        unsubscribe({ level, packetId: 1, filters: [...head(c), ''] }),
      );
      add(`filter-utf8@${prefix}`, 'utf8WellFormed', `${lead} a filter that is not UTF-8`, (c) =>
        unsubscribe({ level, packetId: 1, filters: [...head(c), INVALID_UTF8] }),
      );
      add(`filter-hash-middle@${prefix}`, 'wildcardPlacement', `${lead} a filter with # not last`, (c) =>
        unsubscribe({ level, packetId: 1, filters: [...head(c), `${c.topicPrefix}/#/x`] }),
      );
    }
  }
  return [
    ...out,
    ...listCases('unsubscribe', 'unsubscribe', 'session', (properties, _s, c) =>
      unsubscribe({ level: 5, packetId: 1, properties, filters: [topic(c, 'f0')] }),
    ),
  ];
}

function disconnectAuthCases(): BaseCase[] {
  const family = 'disconnect-auth';
  const out: BaseCase[] = [];
  for (const level of LEVELS) {
    const add = (name: string, rule: RuleId, words: string, encode: () => Encoded, extra: Partial<BaseCase> = {}) =>
      out.push(
        make(family, name, level, { phase: 'session', rule, words, build: one(encode), leaves: ['abrupt'], ...extra }),
      );
    add('disconnect-flags', 'fixedHeaderFlags', 'DISCONNECT with fixed header flags 0001', () =>
      reasonOnly('DISCONNECT', { level }, { flags: 1 }),
    );
    add('pingreq-flags', 'fixedHeaderFlags', 'PINGREQ with fixed header flags 0001', () => pingreq({ flags: 1 }));
    if (level === 5) {
      add('disconnect-reason-0x01', 'reasonCodeValid', 'DISCONNECT with reason code 0x01', () =>
        reasonOnly('DISCONNECT', { level, reasonCode: 0x01 }),
      );
      add(
        'disconnect-session-expiry',
        'disconnectSessionExpiry',
        'DISCONNECT setting Session Expiry 60 after a CONNECT that said 0',
        () =>
          reasonOnly('DISCONNECT', {
            level,
            reasonCode: 0,
            properties: propertyBlock([propertyBytes(property('sessionExpiryInterval'), 60)]),
          }),
        { sessions: ['clean'] },
      );
      add(
        'auth-without-method',
        'authWithoutMethod',
        'AUTH (continue authentication) after a CONNECT without an Authentication Method',
        () => reasonOnly('AUTH', { level, reasonCode: 0x18, properties: propertyBlock([]) }),
      );
      add('auth-flags', 'fixedHeaderFlags', 'AUTH with fixed header flags 0001', () =>
        reasonOnly('AUTH', { level, reasonCode: 0x18, properties: propertyBlock([]) }, { flags: 1 }),
      );
    }
  }
  return [
    ...out,
    ...listCases(
      'disconnect-auth',
      'disconnect',
      'session',
      (properties) => reasonOnly('DISCONNECT', { level: 5, reasonCode: 0, properties }),
      { leaves: ['abrupt'] },
    ).map((c) => ({
      ...c,
      id: c.id.replace('disconnect-auth.', 'disconnect-auth.disconnect-'),
      words: `DISCONNECT ${c.words}`,
    })),
    ...listCases(
      'disconnect-auth',
      'auth',
      'session',
      (properties) => reasonOnly('AUTH', { level: 5, reasonCode: 0x18, properties }),
      { leaves: ['abrupt'] },
    ).map((c) => ({ ...c, id: c.id.replace('disconnect-auth.', 'disconnect-auth.auth-'), words: `AUTH ${c.words}` })),
  ];
}

// --- Framing: truncation, surplus bytes, remaining length -------------------------------------------
/** A full CONNECT (will and credentials included) so that every one of its fields has a boundary to cut at. */
function fullConnect(spec: ConnectSpec): ConnectSpec {
  const will = spec.will ?? { topic: 'mqleak/will', payload: Buffer.from('w'), qos: 1, retain: false };
  return {
    ...spec,
    will:
      spec.level === 5
        ? { ...will, properties: propertyBlock([propertyBytes(property('willDelayInterval'), 0)]) }
        : will,
    username: spec.username ?? 'mqleak',
    password: spec.password ?? Buffer.from('mqleak'),
    properties:
      spec.level === 5
        ? propertyBlock([
            propertyBytes(property('sessionExpiryInterval'), spec.clean ? 0 : 30),
            propertyBytes(property('userProperty'), ['mqleak', 'cut']),
          ])
        : undefined,
  };
}

function cut(encoded: Encoded, offset: number): Encoded {
  return { bytes: encoded.bytes.subarray(0, offset), boundaries: encoded.boundaries.filter((b) => b.offset <= offset) };
}

function validSamples(level: Level, context: CaseContext): Record<string, Encoded> {
  return {
    SUBSCRIBE: subscribe({
      level,
      packetId: 1,
      subscriptions: [
        { filter: topic(context, 'f0'), options: 1 },
        { filter: topic(context, 'f1'), options: 0 },
      ],
    }),
    PUBLISH: publish({ level, topic: topic(context, 'p'), qos: 1, packetId: 1, payload: Buffer.from('mqleak') }),
  };
}

function truncationCases(): BaseCase[] {
  const family = 'truncation';
  const out: BaseCase[] = [];
  const leaves = ['abrupt', 'silence'] as const;
  for (const level of LEVELS) {
    // The boundaries are those of the full CONNECT; the last one is the whole packet (not a cut).
    const probe = connect(fullConnect({ level, clean: true, keepAlive: 30, clientId: 'x' }));
    probe.boundaries.slice(0, -1).forEach((boundary, index) => {
      out.push(
        make(family, `connect-after-${boundary.after.replace(/ /g, '-')}`, level, {
          phase: 'connect',
          rule: 'completePacket',
          words: `CONNECT cut after its ${boundary.after}`,
          truncated: true,
          leaves,
          wills: [true],
          build: one((spec) => {
            const full = connect(fullConnect(spec));
            return cut(full, (full.boundaries[index] as Encoded['boundaries'][number]).offset);
          }),
        }),
      );
    });
    for (const type of ['SUBSCRIBE', 'PUBLISH'] as const) {
      const sample = validSamples(level, { clientId: 'x', topicPrefix: 'p', receiveMaximum: 0, topicAliasMaximum: 0 })[
        type
      ] as Encoded;
      sample.boundaries.slice(0, -1).forEach((boundary, index) => {
        out.push(
          make(family, `${type.toLowerCase()}-after-${boundary.after.replace(/ /g, '-')}`, level, {
            phase: 'session',
            rule: 'completePacket',
            words: `${type} cut after its ${boundary.after}`,
            truncated: true,
            leaves,
            build: one((_s, c) => {
              const full = validSamples(level, c)[type] as Encoded;
              return cut(full, (full.boundaries[index] as Encoded['boundaries'][number]).offset);
            }),
          }),
        );
      });
    }
  }
  return out;
}

/** The same packet with `extra` bytes inside it: its remaining length grown to cover them. */
function withSurplus(encoded: Encoded, extra: Buffer): Encoded {
  const headerLength = (encoded.boundaries[1] as Encoded['boundaries'][number]).offset;
  const body = encoded.bytes.subarray(headerLength);
  return frame(
    (encoded.bytes[0] as number) >> 4,
    [
      { name: 'fields', bytes: body },
      { name: 'surplus', bytes: extra },
    ],
    { flags: (encoded.bytes[0] as number) & 0x0f },
  );
}

function surplusCases(): BaseCase[] {
  const family = 'surplus';
  const out: BaseCase[] = [];
  const byte = Buffer.from([0x00]);
  for (const level of LEVELS) {
    out.push(
      make(family, 'connect-inside', level, {
        phase: 'connect',
        rule: 'remainingLengthExact',
        words: 'CONNECT with one surplus byte after its last field, inside its remaining length',
        build: one((s) => withSurplus(connect(s), byte)),
      }),
      make(family, 'connect-after', level, {
        phase: 'connect',
        rule: 'reservedType',
        words: 'a complete CONNECT followed by one stray byte 0x00 (packet type 0)',
        build: (s) => [connect(s), { bytes: byte, boundaries: [] }],
      }),
    );
    const session: [string, (c: CaseContext) => Encoded][] = [
      ['subscribe', (c) => validSamples(level, c).SUBSCRIBE as Encoded],
      ['publish-qos0', (c) => publish({ level, topic: topic(c, 'p'), qos: 0, payload: Buffer.alloc(0) })],
      ['puback', () => ack('PUBACK', { level, packetId: 1 })],
      ['pingreq', () => pingreq()],
      ['unsubscribe', (c) => unsubscribe({ level, packetId: 1, filters: [topic(c, 'f0')] })],
    ];
    for (const [name, encode] of session) {
      // PUBLISH's payload runs to the end of the packet: a byte inside it is payload, so only "after" applies.
      if (name !== 'publish-qos0')
        out.push(
          make(family, `${name}-inside`, level, {
            phase: 'session',
            rule: 'remainingLengthExact',
            words: `${name.toUpperCase()} with one surplus byte inside its remaining length`,
            build: one((_s, c) => withSurplus(encode(c), byte)),
          }),
        );
      out.push(
        make(family, `${name}-after`, level, {
          phase: 'session',
          rule: 'reservedType',
          words: `a complete ${name.toUpperCase()} followed by one stray byte 0x00`,
          build: (_s, c) => [encode(c), { bytes: byte, boundaries: [] }],
        }),
      );
    }
  }
  return out;
}

function withLength(encoded: Encoded, length: Buffer): Encoded {
  const headerLength = (encoded.boundaries[1] as Encoded['boundaries'][number]).offset;
  return frame((encoded.bytes[0] as number) >> 4, [{ name: 'fields', bytes: encoded.bytes.subarray(headerLength) }], {
    flags: (encoded.bytes[0] as number) & 0x0f,
    remainingLength: length,
  });
}

function remainingLengthCases(): BaseCase[] {
  const family = 'remaining-length';
  const out: BaseCase[] = [];
  const variants: [string, RuleId, string, (length: number) => Buffer][] = [
    ['larger', 'remainingLengthExact', 'a remaining length 64 more than what is sent', (n) => varInt(n + 64)],
    [
      'smaller',
      'remainingLengthExact',
      'a remaining length 3 less than what is sent',
      (n) => varInt(Math.max(0, n - 3)),
    ],
    [
      'five-bytes',
      'varIntMaxFour',
      'a remaining length of five varint bytes',
      () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]),
    ],
    [
      'non-minimal',
      'varIntMinimal',
      'its remaining length written in one byte more than it needs',
      (n) => Buffer.from([(n & 0x7f) | 0x80, n >> 7]),
    ],
  ];
  for (const level of LEVELS) {
    for (const [name, rule, words, length] of variants) {
      out.push(
        make(family, `connect-${name}`, level, {
          phase: 'connect',
          rule,
          words: `CONNECT with ${words}`,
          build: one((s) => {
            const c = connect(s);
            return withLength(c, length(c.bytes.length - (c.boundaries[1] as Encoded['boundaries'][number]).offset));
          }),
        }),
        make(family, `subscribe-${name}`, level, {
          phase: 'session',
          rule,
          words: `SUBSCRIBE with ${words}`,
          build: one((_s, context) => {
            const c = validSamples(level, context).SUBSCRIBE as Encoded;
            return withLength(c, length(c.bytes.length - (c.boundaries[1] as Encoded['boundaries'][number]).offset));
          }),
        }),
      );
    }
  }
  return out;
}

// --- Packet order and session state -----------------------------------------------------------------
/** A minimal well-formed instance of each packet type (as 3.1.1 or 5.0 writes it), for the order cases. */
function minimal(type: PacketName, level: Level, context: CaseContext): Encoded {
  switch (type) {
    case 'PUBLISH':
      return publish({ level, topic: topic(context, 'p'), qos: 1, packetId: 1, payload: Buffer.from('x') });
    case 'PUBACK':
    case 'PUBREC':
    case 'PUBREL':
    case 'PUBCOMP':
      return ack(type, { level, packetId: 1 });
    case 'SUBSCRIBE':
      return subscribe({ level, packetId: 1, subscriptions: [{ filter: topic(context, 'f0'), options: 1 }] });
    case 'UNSUBSCRIBE':
      return unsubscribe({ level, packetId: 1, filters: [topic(context, 'f0')] });
    case 'CONNACK':
      return frame(
        'CONNACK',
        level === 5
          ? [
              { name: 'flags', bytes: u8(0) },
              { name: 'reason', bytes: u8(0) },
              { name: 'properties', bytes: propertyBlock([]) },
            ]
          : [
              { name: 'flags', bytes: u8(0) },
              { name: 'code', bytes: u8(0) },
            ],
      );
    case 'SUBACK':
      return frame('SUBACK', [
        { name: 'packet id', bytes: u16(1) },
        ...(level === 5 ? [{ name: 'properties', bytes: propertyBlock([]) }] : []),
        { name: 'codes', bytes: u8(0) },
      ]);
    case 'UNSUBACK':
      return frame('UNSUBACK', [
        { name: 'packet id', bytes: u16(1) },
        ...(level === 5
          ? [
              { name: 'properties', bytes: propertyBlock([]) },
              { name: 'codes', bytes: u8(0) },
            ]
          : []),
      ]);
    case 'PINGREQ':
    case 'PINGRESP':
      return frame(type, []);
    case 'DISCONNECT':
    case 'AUTH':
      return reasonOnly(type, {
        level,
        reasonCode: type === 'AUTH' ? 0x18 : undefined,
        properties: type === 'AUTH' ? propertyBlock([]) : undefined,
      });
    case 'CONNECT':
      throw new Error('CONNECT is not an order case');
  }
}

function packetOrderCases(): BaseCase[] {
  const family = 'packet-order';
  const out: BaseCase[] = [];
  for (const level of LEVELS) {
    for (const def of PACKETS) {
      if (def.name === 'CONNECT' || (def.name === 'AUTH' && level === 4)) continue;
      out.push(
        make(family, `first-${def.name.toLowerCase()}`, level, {
          phase: 'first',
          rule: 'connectFirst',
          words: `${def.name} as the first packet, instead of CONNECT`,
          sessions: ['clean'],
          wills: [false],
          build: one((_s, c) => minimal(def.name, level, c)),
        }),
      );
      if (def.from === 'server')
        out.push(
          make(family, `server-only-${def.name.toLowerCase()}`, level, {
            phase: 'session',
            rule: 'serverOnlyType',
            words: `${def.name}, a server-only packet, sent by the client after CONNECT`,
            build: one((_s, c) => minimal(def.name, level, c)),
          }),
        );
    }
    const reserved = level === 4 ? [0, 15] : [0];
    for (const code of reserved)
      out.push(
        make(family, `first-reserved-${code}`, level, {
          phase: 'first',
          rule: 'reservedType',
          words: `packet type ${code} (reserved) as the first packet`,
          sessions: ['clean'],
          wills: [false],
          build: one(() => frame(code, [])),
        }),
      );
    out.push(
      make(family, 'second-connect', level, {
        phase: 'session',
        rule: 'connectOnce',
        words: 'a second CONNECT on the same connection',
        build: one((s) => connect(s)),
      }),
    );
    for (const type of ACK_TYPES)
      out.push(
        make(family, `unknown-id-${type.toLowerCase()}`, level, {
          phase: 'session',
          rule: 'ackUnknownId',
          words: `${type} for packet id 4242, which nothing is in flight for`,
          build: one(() => ack(type, { level, packetId: 4242 })),
        }),
      );
  }
  return out;
}

function flowControlCases(): BaseCase[] {
  const family = 'flow-control';
  const out: BaseCase[] = [];
  for (const level of LEVELS) {
    out.push(
      make(family, 'qos2-id-reuse', level, {
        phase: 'session',
        rule: 'qos2Reuse',
        words:
          `${QOS2_REUSE_COUNT} QoS 2 PUBLISHes with the same packet id and different payloads, no PUBREL, the ` +
          'client not reading',
        notReading: true,
        build: (_s, c) =>
          Array.from({ length: QOS2_REUSE_COUNT }, (_, i) =>
            publish({ level, topic: topic(c, 'q2'), qos: 2, packetId: 7, payload: Buffer.from(`mqleak-${i}`) }),
          ),
      }),
    );
  }
  out.push(
    make(family, 'topic-alias-out-of-range', 5, {
      phase: 'session',
      rule: 'topicAliasMaximum',
      words: "PUBLISH with a Topic Alias one above the broker's Topic Alias Maximum",
      build: one((_s, c) =>
        publish({
          level: 5,
          topic: topic(c, 'a'),
          qos: 1,
          packetId: 1,
          properties: propertyBlock([propertyBytes(property('topicAlias'), c.topicAliasMaximum + 1)]),
          payload: Buffer.from('x'),
        }),
      ),
    }),
    make(family, 'topic-alias-unknown', 5, {
      phase: 'session',
      rule: 'topicAliasMaximum',
      words: 'PUBLISH with an empty topic and a Topic Alias never set (1)',
      build: one(() =>
        publish({
          level: 5,
          topic: '',
          qos: 1,
          packetId: 1,
          properties: propertyBlock([propertyBytes(property('topicAlias'), 1)]),
          payload: Buffer.from('x'),
        }),
      ),
    }),
    make(family, 'receive-maximum-overrun', 5, {
      phase: 'session',
      rule: 'receiveMaximum',
      words: "Receive Maximum + 1 QoS 1 PUBLISHes with no PUBACK read (the broker's Receive Maximum from its CONNACK)",
      notReading: true,
      build: (_s, c) =>
        c.receiveMaximum > RECEIVE_MAXIMUM_CAP
          ? []
          : Array.from({ length: c.receiveMaximum + 1 }, (_, i) =>
              publish({ level: 5, topic: topic(c, 'rm'), qos: 2, packetId: i + 1, payload: Buffer.from('x') }),
            ),
    }),
  );
  return out;
}

/** Every family in rotation order, with its base cases, generated from the grammar. */
export function generateFamilies(): Map<string, BaseCase[]> {
  const properties = propertyFamilies();
  return new Map<string, BaseCase[]>([
    ['connect-fields', connectFields()],
    ['connect-properties', properties.get('connect-properties') as BaseCase[]],
    ['will-properties', properties.get('will-properties') as BaseCase[]],
    ['publish-fields', publishFields()],
    ['publish-properties', properties.get('publish-properties') as BaseCase[]],
    ['ack-fields', ackFields()],
    ['ack-properties', properties.get('ack-properties') as BaseCase[]],
    ['subscribe', subscribeCases()],
    ['unsubscribe', unsubscribeCases()],
    ['disconnect-auth', disconnectAuthCases()],
    ['truncation', truncationCases()],
    ['surplus', surplusCases()],
    ['remaining-length', remainingLengthCases()],
    ['packet-order', packetOrderCases()],
    ['flow-control', flowControlCases()],
  ]);
}
