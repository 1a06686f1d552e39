import { varInt } from '../core/var-int.js';
// A small MQTT encoder that walks the grammar (packets.ts, properties.ts) and writes whatever it is told,
// valid or not: mqtt-packet writes the valid packets and (rightly) refuses the invalid ones the cases need.
// Its valid output is byte-for-byte mqtt-packet's (test/unit/protocol/encode.test.ts). Each packet keeps
// its field boundaries, so a case can cut it at any of them.

import { type PacketName, packetDef } from './packets.js';
import type { PropertyDef } from './properties.js';

/** Text as UTF-8, or raw bytes written as they are (for strings that are not valid UTF-8). */
export type Text = string | Buffer;

export interface Field {
  name: string;
  bytes: Buffer;
}

export interface Encoded {
  bytes: Buffer;
  /** Byte offsets where a field ends (after the fixed header byte, after the remaining length, after each field). */
  boundaries: { after: string; offset: number }[];
}

export function u8(value: number): Buffer {
  return Buffer.from([value & 0xff]);
}

export function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value & 0xffff);
  return out;
}

export function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

/** Variable byte integer (3.1.1 §2.2.3, 5.0 §1.5.5), minimal encoding. */
export { varInt } from '../core/var-int.js';

function raw(text: Text): Buffer {
  return typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
}

/** Two-byte length then the bytes (UTF-8 string §1.5.4, binary data §1.5.6). */
export function lengthPrefixed(text: Text): Buffer {
  const body = raw(text);
  return Buffer.concat([u16(body.length), body]);
}

export type PropertyValue = number | Text | readonly [Text, Text];

/** One property: identifier then its value, by the type the table gives it. */
export function propertyBytes(def: PropertyDef, value: PropertyValue): Buffer {
  return Buffer.concat([varInt(def.id), valueBytes(def.type, value)]);
}

export function valueBytes(type: PropertyDef['type'], value: PropertyValue): Buffer {
  switch (type) {
    case 'byte':
      return u8(value as number);
    case 'u16':
      return u16(value as number);
    case 'u32':
      return u32(value as number);
    case 'varint':
      return varInt(value as number);
    case 'utf8':
    case 'binary':
      return lengthPrefixed(value as Text);
    case 'pair': {
      const [key, val] = value as readonly [Text, Text];
      return Buffer.concat([lengthPrefixed(key), lengthPrefixed(val)]);
    }
  }
}

/** A property block: its length, then its properties. `length` overrides the true length (a wrong-length case). */
export function propertyBlock(entries: readonly Buffer[], length?: number): Buffer {
  const body = Buffer.concat(entries);
  return Buffer.concat([varInt(length ?? body.length), body]);
}

export interface FrameOptions {
  /** The fixed header's low nibble; default: the packet's required flags. */
  flags?: number;
  /** The remaining length bytes as sent, instead of the true length (too large, too small, 5 bytes ...). */
  remainingLength?: Buffer;
}

/** Fixed header (type, flags, remaining length) and the fields, with every field boundary. */
export function frame(type: PacketName | number, fields: readonly Field[], options: FrameOptions = {}): Encoded {
  const def = typeof type === 'number' ? undefined : packetDef(type);
  const code = def?.code ?? (type as number);
  const flags = options.flags ?? def?.flags ?? 0;
  const body = Buffer.concat(fields.map((field) => field.bytes));
  const length = options.remainingLength ?? varInt(body.length);
  const header = Buffer.from([(code << 4) | (flags & 0x0f)]);
  const boundaries: Encoded['boundaries'] = [
    { after: 'fixed header byte', offset: 1 },
    { after: 'remaining length', offset: 1 + length.length },
  ];
  let offset = 1 + length.length;
  for (const field of fields) {
    if (field.bytes.length === 0) continue;
    offset += field.bytes.length;
    boundaries.push({ after: field.name, offset });
  }
  return { bytes: Buffer.concat([header, length, body]), boundaries };
}

export interface WillSpec {
  topic: Text;
  payload: Buffer;
  qos: number;
  retain: boolean;
  /** The will property block as sent (5.0), with its length; default: an empty block. */
  properties?: Buffer;
}

export interface ConnectSpec {
  level: number;
  protocolName?: Text;
  clean: boolean;
  keepAlive: number;
  clientId: Text;
  /** The property block as sent (5.0), with its length; default: an empty block. */
  properties?: Buffer;
  will?: WillSpec;
  username?: Text;
  password?: Buffer;
  /** Connect flag bits set as they are (reserved bit, will QoS without a will ...). */
  extraFlags?: number;
}

const CONNECT_FLAG = { username: 0x80, password: 0x40, willRetain: 0x20, will: 0x04, clean: 0x02 } as const;

export function connectFields(spec: ConnectSpec): Field[] {
  let flags = spec.clean ? CONNECT_FLAG.clean : 0;
  if (spec.will !== undefined)
    flags |= CONNECT_FLAG.will | (spec.will.qos << 3) | (spec.will.retain ? CONNECT_FLAG.willRetain : 0);
  if (spec.username !== undefined) flags |= CONNECT_FLAG.username;
  if (spec.password !== undefined) flags |= CONNECT_FLAG.password;
  flags |= spec.extraFlags ?? 0;
  const v5 = spec.level === 5;
  const fields: Field[] = [
    { name: 'protocol name', bytes: lengthPrefixed(spec.protocolName ?? 'MQTT') },
    { name: 'protocol level', bytes: u8(spec.level) },
    { name: 'connect flags', bytes: u8(flags) },
    { name: 'keep alive', bytes: u16(spec.keepAlive) },
  ];
  if (v5) fields.push({ name: 'properties', bytes: spec.properties ?? propertyBlock([]) });
  fields.push({ name: 'client id', bytes: lengthPrefixed(spec.clientId) });
  if (spec.will !== undefined) {
    if (v5) fields.push({ name: 'will properties', bytes: spec.will.properties ?? propertyBlock([]) });
    fields.push({ name: 'will topic', bytes: lengthPrefixed(spec.will.topic) });
    fields.push({ name: 'will payload', bytes: lengthPrefixed(spec.will.payload) });
  }
  if (spec.username !== undefined) fields.push({ name: 'user name', bytes: lengthPrefixed(spec.username) });
  if (spec.password !== undefined) fields.push({ name: 'password', bytes: lengthPrefixed(spec.password) });
  return fields;
}

export function connect(spec: ConnectSpec, options?: FrameOptions): Encoded {
  return frame('CONNECT', connectFields(spec), options);
}

export interface PublishSpec {
  level: number;
  topic: Text;
  qos: number;
  dup?: boolean;
  retain?: boolean;
  packetId?: number;
  properties?: Buffer;
  payload: Buffer;
}

export function publish(spec: PublishSpec, options: FrameOptions = {}): Encoded {
  const flags = ((spec.dup === true ? 1 : 0) << 3) | ((spec.qos & 3) << 1) | (spec.retain === true ? 1 : 0);
  const fields: Field[] = [{ name: 'topic name', bytes: lengthPrefixed(spec.topic) }];
  if (spec.qos > 0 || spec.packetId !== undefined) fields.push({ name: 'packet id', bytes: u16(spec.packetId ?? 0) });
  if (spec.level === 5) fields.push({ name: 'properties', bytes: spec.properties ?? propertyBlock([]) });
  fields.push({ name: 'payload', bytes: spec.payload });
  return frame('PUBLISH', fields, { flags, ...options });
}

export interface AckSpec {
  level: number;
  packetId: number;
  /** 5.0: the reason code (default 0, Success); the property block defaults to an empty one. */
  reasonCode?: number;
  properties?: Buffer;
}

export function ack(type: 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP', spec: AckSpec, options?: FrameOptions): Encoded {
  const fields: Field[] = [{ name: 'packet id', bytes: u16(spec.packetId) }];
  if (spec.level === 5) {
    // As mqtt-packet writes a 5.0 ack: the reason code and the property length always.
    fields.push({ name: 'reason code', bytes: u8(spec.reasonCode ?? 0) });
    fields.push({ name: 'properties', bytes: spec.properties ?? propertyBlock([]) });
  }
  return frame(type, fields, options);
}

export interface Subscription {
  filter: Text;
  /** The options byte (3.1.1: requested QoS; 5.0: QoS, No Local, Retain As Published, Retain Handling). */
  options: number;
}

export function subscribe(
  spec: { level: number; packetId: number; properties?: Buffer; subscriptions: readonly Subscription[] },
  options?: FrameOptions,
): Encoded {
  const fields: Field[] = [{ name: 'packet id', bytes: u16(spec.packetId) }];
  if (spec.level === 5) fields.push({ name: 'properties', bytes: spec.properties ?? propertyBlock([]) });
  spec.subscriptions.forEach((subscription, i) => {
    fields.push({ name: `filter ${i}`, bytes: lengthPrefixed(subscription.filter) });
    fields.push({ name: `options ${i}`, bytes: u8(subscription.options) });
  });
  return frame('SUBSCRIBE', fields, options);
}

export function unsubscribe(
  spec: { level: number; packetId: number; properties?: Buffer; filters: readonly Text[] },
  options?: FrameOptions,
): Encoded {
  const fields: Field[] = [{ name: 'packet id', bytes: u16(spec.packetId) }];
  if (spec.level === 5) fields.push({ name: 'properties', bytes: spec.properties ?? propertyBlock([]) });
  spec.filters.forEach((filter, i) => {
    fields.push({ name: `filter ${i}`, bytes: lengthPrefixed(filter) });
  });
  return frame('UNSUBSCRIBE', fields, options);
}

/** DISCONNECT or AUTH: 5.0 reason code and properties; nothing in 3.1.1. */
export function reasonOnly(
  type: 'DISCONNECT' | 'AUTH',
  spec: { level: number; reasonCode?: number; properties?: Buffer },
  options?: FrameOptions,
): Encoded {
  const fields: Field[] = [];
  if (spec.level === 5) {
    // As mqtt-packet writes them in 5.0: the reason code and the property length always.
    fields.push({ name: 'reason code', bytes: u8(spec.reasonCode ?? 0) });
    fields.push({ name: 'properties', bytes: spec.properties ?? propertyBlock([]) });
  }
  return frame(type, fields, options);
}

export function pingreq(options?: FrameOptions): Encoded {
  return frame('PINGREQ', [], options);
}
