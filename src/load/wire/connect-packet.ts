import { varInt } from '../../core/var-int.js';
// CONNECT packets written byte by byte, for the ones mqtt-packet (rightly) refuses to write: an unknown
// protocol level, a reserved flag set, a duplicated MQTT 5 property. The broker's error paths during
// connection setup are what these reach.

/** MQTT 5 property identifiers used here (OASIS MQTT 5.0, 2.2.2.2). */
export const PROPERTY = {
  payloadFormatIndicator: 0x01,
  sessionExpiryInterval: 0x11,
  willDelayInterval: 0x18,
  receiveMaximum: 0x21,
  userProperty: 0x26,
} as const;

const CONNECT_HEADER = 0x10;
const FLAG_USERNAME = 0x80;
const FLAG_PASSWORD = 0x40;
const FLAG_WILL_RETAIN = 0x20;
const WILL_QOS_SHIFT = 3;
const FLAG_WILL = 0x04;
const FLAG_CLEAN = 0x02;
/** Bit 0 of the connect flags is reserved and must be 0 (3.1.2.3): a broker must close on it. */
export const FLAG_RESERVED = 0x01;

export interface ConnectFields {
  /** 'MQTT' normally. */
  protocolName: string;
  /** 4 for 3.1.1, 5 for 5.0; anything else is an unsupported level. */
  level: number;
  clean: boolean;
  keepalive: number;
  clientId: string;
  username?: string;
  password?: string;
  will?: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean; properties?: Buffer };
  /** Raw MQTT 5 CONNECT properties (without their length); written when the level is 5, or when given. */
  properties?: Buffer;
  /** Bits or-ed into the connect flags as they are (FLAG_RESERVED). */
  extraFlags?: number;
  /** Cut the packet to this many bytes after its fixed header (the remaining length still says the full size). */
  truncateTo?: number;
}

export { varInt } from '../../core/var-int.js';

function utf8(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([length, body]);
}

function binary(data: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(data.length);
  return Buffer.concat([length, data]);
}

function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** Property builders: each returns the property's identifier and value, ready to concatenate. */
export const prop = {
  u8: (id: number, value: number): Buffer => Buffer.from([id, value]),
  u16: (id: number, value: number): Buffer => Buffer.concat([Buffer.from([id]), u16(value)]),
  u32: (id: number, value: number): Buffer => Buffer.concat([Buffer.from([id]), u32(value)]),
  pair: (id: number, key: string, value: string): Buffer => Buffer.concat([Buffer.from([id]), utf8(key), utf8(value)]),
};

export function encodeConnect(fields: ConnectFields): Buffer {
  let flags = fields.clean ? FLAG_CLEAN : 0;
  if (fields.will !== undefined) {
    flags |= FLAG_WILL | (fields.will.qos << WILL_QOS_SHIFT) | (fields.will.retain ? FLAG_WILL_RETAIN : 0);
  }
  if (fields.username !== undefined) flags |= FLAG_USERNAME;
  if (fields.password !== undefined) flags |= FLAG_PASSWORD;
  flags |= fields.extraFlags ?? 0;
  const withProperties = fields.level === 5 || fields.properties !== undefined;
  const properties = fields.properties ?? Buffer.alloc(0);
  const parts: Buffer[] = [utf8(fields.protocolName), Buffer.from([fields.level, flags]), u16(fields.keepalive)];
  if (withProperties) parts.push(varInt(properties.length), properties);
  parts.push(utf8(fields.clientId));
  if (fields.will !== undefined) {
    if (withProperties) {
      const willProperties = fields.will.properties ?? Buffer.alloc(0);
      parts.push(varInt(willProperties.length), willProperties);
    }
    parts.push(utf8(fields.will.topic), binary(fields.will.payload));
  }
  if (fields.username !== undefined) parts.push(utf8(fields.username));
  if (fields.password !== undefined) parts.push(binary(Buffer.from(fields.password, 'utf8')));
  const body = Buffer.concat(parts);
  const sent = fields.truncateTo === undefined ? body : body.subarray(0, fields.truncateTo);
  return Buffer.concat([Buffer.from([CONNECT_HEADER]), varInt(body.length), sent]);
}
