// MQTT 5.0 properties (§2.2.2.2, Table 2-4): identifier, value type, and the property blocks that may carry it.

/** A property block: the properties of one packet type, or of the will in CONNECT's payload (§3.1.3.2). */
export type PropertyBlock =
  | 'connect'
  | 'will'
  | 'connack'
  | 'publish'
  | 'ack' // PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4.2.2, §3.5.2.2, §3.6.2.2, §3.7.2.2): the same two properties
  | 'subscribe'
  | 'suback'
  | 'unsubscribe'
  | 'unsuback'
  | 'disconnect'
  | 'auth';

/** The data types of §1.5: byte, two- and four-byte integers, variable byte integer, UTF-8 string, binary data, string pair. */
export type PropertyType = 'byte' | 'u16' | 'u32' | 'varint' | 'utf8' | 'binary' | 'pair';

export interface PropertyDef {
  id: number;
  name: string;
  type: PropertyType;
  blocks: readonly PropertyBlock[];
  /** Blocks where it may appear more than once (User Property everywhere; Subscription Identifier only server → client). */
  repeatable?: readonly PropertyBlock[];
  /** Values of its type the property does not allow (a Protocol Error): e.g. Receive Maximum 0. */
  invalidValues?: readonly number[];
  /** The section that defines it in CONNECT (or the block named first). */
  section: string;
}

const ACKS: PropertyBlock[] = ['ack'];
const ALL_BLOCKS: PropertyBlock[] = [
  'connect',
  'will',
  'connack',
  'publish',
  'ack',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'disconnect',
  'auth',
];

export const PROPERTIES: readonly PropertyDef[] = [
  {
    id: 0x01,
    name: 'payloadFormatIndicator',
    type: 'byte',
    blocks: ['publish', 'will'],
    invalidValues: [2, 0xff],
    section: '3.3.2.3.2',
  },
  { id: 0x02, name: 'messageExpiryInterval', type: 'u32', blocks: ['publish', 'will'], section: '3.3.2.3.3' },
  { id: 0x03, name: 'contentType', type: 'utf8', blocks: ['publish', 'will'], section: '3.3.2.3.9' },
  { id: 0x08, name: 'responseTopic', type: 'utf8', blocks: ['publish', 'will'], section: '3.3.2.3.5' },
  { id: 0x09, name: 'correlationData', type: 'binary', blocks: ['publish', 'will'], section: '3.3.2.3.6' },
  {
    id: 0x0b,
    name: 'subscriptionIdentifier',
    type: 'varint',
    blocks: ['publish', 'subscribe'],
    repeatable: [],
    invalidValues: [0],
    section: '3.8.2.1.2',
  },
  {
    id: 0x11,
    name: 'sessionExpiryInterval',
    type: 'u32',
    blocks: ['connect', 'connack', 'disconnect'],
    section: '3.1.2.11.2',
  },
  { id: 0x12, name: 'assignedClientIdentifier', type: 'utf8', blocks: ['connack'], section: '3.2.2.3.7' },
  { id: 0x13, name: 'serverKeepAlive', type: 'u16', blocks: ['connack'], section: '3.2.2.3.14' },
  {
    id: 0x15,
    name: 'authenticationMethod',
    type: 'utf8',
    blocks: ['connect', 'connack', 'auth'],
    section: '3.1.2.11.9',
  },
  {
    id: 0x16,
    name: 'authenticationData',
    type: 'binary',
    blocks: ['connect', 'connack', 'auth'],
    section: '3.1.2.11.10',
  },
  {
    id: 0x17,
    name: 'requestProblemInformation',
    type: 'byte',
    blocks: ['connect'],
    invalidValues: [2, 0xff],
    section: '3.1.2.11.7',
  },
  { id: 0x18, name: 'willDelayInterval', type: 'u32', blocks: ['will'], section: '3.1.3.2.2' },
  {
    id: 0x19,
    name: 'requestResponseInformation',
    type: 'byte',
    blocks: ['connect'],
    invalidValues: [2, 0xff],
    section: '3.1.2.11.6',
  },
  { id: 0x1a, name: 'responseInformation', type: 'utf8', blocks: ['connack'], section: '3.2.2.3.15' },
  { id: 0x1c, name: 'serverReference', type: 'utf8', blocks: ['connack', 'disconnect'], section: '3.2.2.3.16' },
  {
    id: 0x1f,
    name: 'reasonString',
    type: 'utf8',
    blocks: ['connack', ...ACKS, 'suback', 'unsuback', 'disconnect', 'auth'],
    section: '3.4.2.2.2',
  },
  {
    id: 0x21,
    name: 'receiveMaximum',
    type: 'u16',
    blocks: ['connect', 'connack'],
    invalidValues: [0],
    section: '3.1.2.11.3',
  },
  { id: 0x22, name: 'topicAliasMaximum', type: 'u16', blocks: ['connect', 'connack'], section: '3.1.2.11.5' },
  { id: 0x23, name: 'topicAlias', type: 'u16', blocks: ['publish'], invalidValues: [0], section: '3.3.2.3.4' },
  { id: 0x24, name: 'maximumQoS', type: 'byte', blocks: ['connack'], section: '3.2.2.3.4' },
  { id: 0x25, name: 'retainAvailable', type: 'byte', blocks: ['connack'], section: '3.2.2.3.5' },
  { id: 0x26, name: 'userProperty', type: 'pair', blocks: ALL_BLOCKS, repeatable: ALL_BLOCKS, section: '3.1.2.11.8' },
  {
    id: 0x27,
    name: 'maximumPacketSize',
    type: 'u32',
    blocks: ['connect', 'connack'],
    invalidValues: [0],
    section: '3.1.2.11.4',
  },
  { id: 0x28, name: 'wildcardSubscriptionAvailable', type: 'byte', blocks: ['connack'], section: '3.2.2.3.11' },
  { id: 0x29, name: 'subscriptionIdentifiersAvailable', type: 'byte', blocks: ['connack'], section: '3.2.2.3.12' },
  { id: 0x2a, name: 'sharedSubscriptionAvailable', type: 'byte', blocks: ['connack'], section: '3.2.2.3.13' },
];

export const PROPERTY_BY_NAME: ReadonlyMap<string, PropertyDef> = new Map(PROPERTIES.map((p) => [p.name, p]));

export function property(name: string): PropertyDef {
  const def = PROPERTY_BY_NAME.get(name);
  if (def === undefined) throw new Error(`no MQTT 5 property ${name}`);
  return def;
}

/** Whether a client may send it in this block (Subscription Identifier never in a client's PUBLISH, §3.3.4 [MQTT-3.3.4-6]). */
export function allowedFromClient(def: PropertyDef, block: PropertyBlock): boolean {
  if (def.name === 'subscriptionIdentifier' && block === 'publish') return false;
  return def.blocks.includes(block);
}

export function repeatableIn(def: PropertyDef, block: PropertyBlock): boolean {
  return def.repeatable?.includes(block) === true;
}

/** The property blocks a client sends (the ones the generator walks). */
export const CLIENT_BLOCKS: readonly PropertyBlock[] = [
  'connect',
  'will',
  'publish',
  'ack',
  'subscribe',
  'unsubscribe',
  'disconnect',
  'auth',
];
