// MQTT control packets (3.1.1 §2.2.1 and §3; 5.0 §2.1.2 and §3): type code, the fixed header flags the
// standard requires, who sends it, and its fields in order. The encoder (encode.ts) writes them in this order.

export type PacketName =
  | 'CONNECT'
  | 'CONNACK'
  | 'PUBLISH'
  | 'PUBACK'
  | 'PUBREC'
  | 'PUBREL'
  | 'PUBCOMP'
  | 'SUBSCRIBE'
  | 'SUBACK'
  | 'UNSUBSCRIBE'
  | 'UNSUBACK'
  | 'PINGREQ'
  | 'PINGRESP'
  | 'DISCONNECT'
  | 'AUTH';

export interface PacketDef {
  name: PacketName;
  code: number;
  /** Required low nibble of the fixed header; null for PUBLISH (DUP, QoS, RETAIN carry meaning). */
  flags: number | null;
  /** Who may send it. */
  from: 'client' | 'server' | 'both';
  /** Fields in order, 3.1.1. Empty for 5.0-only packets. */
  fields311: readonly string[];
  /** Fields in order, 5.0. */
  fields5: readonly string[];
  section: string;
}

export const PACKETS: readonly PacketDef[] = [
  {
    name: 'CONNECT',
    code: 1,
    flags: 0,
    from: 'client',
    fields311: [
      'protocolName',
      'protocolLevel',
      'connectFlags',
      'keepAlive',
      'clientId',
      'willTopic',
      'willPayload',
      'userName',
      'password',
    ],
    fields5: [
      'protocolName',
      'protocolLevel',
      'connectFlags',
      'keepAlive',
      'properties',
      'clientId',
      'willProperties',
      'willTopic',
      'willPayload',
      'userName',
      'password',
    ],
    section: '3.1',
  },
  {
    name: 'CONNACK',
    code: 2,
    flags: 0,
    from: 'server',
    fields311: ['ackFlags', 'returnCode'],
    fields5: ['ackFlags', 'reasonCode', 'properties'],
    section: '3.2',
  },
  {
    name: 'PUBLISH',
    code: 3,
    flags: null,
    from: 'both',
    fields311: ['topicName', 'packetId', 'payload'],
    fields5: ['topicName', 'packetId', 'properties', 'payload'],
    section: '3.3',
  },
  {
    name: 'PUBACK',
    code: 4,
    flags: 0,
    from: 'both',
    fields311: ['packetId'],
    fields5: ['packetId', 'reasonCode', 'properties'],
    section: '3.4',
  },
  {
    name: 'PUBREC',
    code: 5,
    flags: 0,
    from: 'both',
    fields311: ['packetId'],
    fields5: ['packetId', 'reasonCode', 'properties'],
    section: '3.5',
  },
  {
    name: 'PUBREL',
    code: 6,
    flags: 2,
    from: 'both',
    fields311: ['packetId'],
    fields5: ['packetId', 'reasonCode', 'properties'],
    section: '3.6',
  },
  {
    name: 'PUBCOMP',
    code: 7,
    flags: 0,
    from: 'both',
    fields311: ['packetId'],
    fields5: ['packetId', 'reasonCode', 'properties'],
    section: '3.7',
  },
  {
    name: 'SUBSCRIBE',
    code: 8,
    flags: 2,
    from: 'client',
    fields311: ['packetId', 'subscriptions'],
    fields5: ['packetId', 'properties', 'subscriptions'],
    section: '3.8',
  },
  {
    name: 'SUBACK',
    code: 9,
    flags: 0,
    from: 'server',
    fields311: ['packetId', 'returnCodes'],
    fields5: ['packetId', 'properties', 'reasonCodes'],
    section: '3.9',
  },
  {
    name: 'UNSUBSCRIBE',
    code: 10,
    flags: 2,
    from: 'client',
    fields311: ['packetId', 'topicFilters'],
    fields5: ['packetId', 'properties', 'topicFilters'],
    section: '3.10',
  },
  {
    name: 'UNSUBACK',
    code: 11,
    flags: 0,
    from: 'server',
    fields311: ['packetId'],
    fields5: ['packetId', 'properties', 'reasonCodes'],
    section: '3.11',
  },
  { name: 'PINGREQ', code: 12, flags: 0, from: 'client', fields311: [], fields5: [], section: '3.12' },
  { name: 'PINGRESP', code: 13, flags: 0, from: 'server', fields311: [], fields5: [], section: '3.13' },
  {
    name: 'DISCONNECT',
    code: 14,
    flags: 0,
    from: 'both',
    fields311: [],
    fields5: ['reasonCode', 'properties'],
    section: '3.14',
  },
  {
    name: 'AUTH',
    code: 15,
    flags: 0,
    from: 'both',
    fields311: [],
    fields5: ['reasonCode', 'properties'],
    section: '3.15',
  },
];

export function packetDef(name: PacketName): PacketDef {
  return PACKETS.find((p) => p.name === name) as PacketDef;
}

/** Reason codes a client may put in each packet (5.0 §3.4.2.1, §3.5.2.1, §3.6.2.1, §3.7.2.1, §3.14.2.1, §3.15.2.1). */
export const CLIENT_REASON_CODES: Readonly<Partial<Record<PacketName, readonly number[]>>> = {
  PUBACK: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  PUBREC: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  PUBREL: [0x00, 0x92],
  PUBCOMP: [0x00, 0x92],
  DISCONNECT: [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b],
  AUTH: [0x00, 0x18, 0x19],
};
