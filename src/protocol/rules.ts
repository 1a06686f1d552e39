// The rules of MQTT 3.1.1 (OASIS Standard, 29 Oct 2014) and MQTT 5.0 (OASIS Standard, 7 Mar 2019) that
// the protocol-errors cases break, each with its section and normative statement where the standard
// numbers one. Every generated case names one of these: a reviewer traces the case to the text here.

export interface Citation {
  /** Section of the standard, e.g. `3.1.2.3`. */
  section: string;
  /** Normative statement id, e.g. `MQTT-3.1.2-3`; absent where the standard states the rule without one. */
  statement?: string;
}

export interface Rule {
  /** What the rule says, in a line. */
  says: string;
  v311?: Citation;
  v5?: Citation;
}

export const RULES = {
  utf8WellFormed: {
    says: 'UTF-8 strings are well-formed UTF-8 and hold no surrogate code points (U+D800..U+DFFF)',
    v311: { section: '1.5.3', statement: 'MQTT-1.5.3-1' },
    v5: { section: '1.5.4', statement: 'MQTT-1.5.4-1' },
  },
  utf8NoNull: {
    says: 'a UTF-8 string must not include U+0000',
    v311: { section: '1.5.3', statement: 'MQTT-1.5.3-2' },
    v5: { section: '1.5.4', statement: 'MQTT-1.5.4-2' },
  },
  varIntMinimal: {
    says: 'a variable byte integer uses the minimum number of bytes',
    v5: { section: '1.5.5', statement: 'MQTT-1.5.5-1' },
  },
  varIntMaxFour: {
    says: 'the remaining length is at most four bytes of variable byte integer',
    v311: { section: '2.2.3' },
    v5: { section: '1.5.5' },
  },
  remainingLengthExact: {
    says: 'the remaining length is the number of bytes of the variable header and payload that follow',
    v311: { section: '2.2.3' },
    v5: { section: '2.1.4' },
  },
  reservedType: {
    says: 'packet type 0 is reserved (and 15 in 3.1.1): a client must not send it',
    v311: { section: '2.2.1' },
    v5: { section: '2.1.2' },
  },
  serverOnlyType: {
    says: 'CONNACK, SUBACK, UNSUBACK and PINGRESP go from server to client only',
    v311: { section: '2.2.1' },
    v5: { section: '2.1.2' },
  },
  fixedHeaderFlags: {
    says:
      'the fixed header flags marked reserved hold the listed values (PUBREL, SUBSCRIBE, UNSUBSCRIBE 0010, ' +
      'others 0000)',
    v311: { section: '2.2.2', statement: 'MQTT-2.2.2-1' },
    v5: { section: '2.1.3', statement: 'MQTT-2.1.3-1' },
  },
  packetIdNonZero: {
    says: 'SUBSCRIBE, UNSUBSCRIBE and PUBLISH at QoS > 0 carry a non-zero packet identifier',
    v311: { section: '2.3.1', statement: 'MQTT-2.3.1-1' },
    v5: { section: '2.2.1', statement: 'MQTT-2.2.1-3' },
  },
  propertyAllowedInBlock: {
    says: 'a property identifier not valid for this packet type or block is a Malformed Packet',
    v5: { section: '2.2.2.2' },
  },
  propertyOnce: {
    says:
      'a property other than User Property (and Subscription Identifier where the table allows) appears at ' +
      'most once',
    v5: { section: '2.2.2.2' },
  },
  propertyLength: {
    says: 'the property length is the length of the properties that follow; a value runs to its type',
    v5: { section: '2.2.2.1' },
  },
  propertyValue: {
    says: 'a property value is one the table of its property allows (Receive Maximum > 0, indicators 0 or 1 ...)',
    v5: { section: '3.1.2.11' },
  },
  connectFirst: {
    says: 'the first packet a client sends on a network connection is CONNECT',
    v311: { section: '3.1', statement: 'MQTT-3.1.0-1' },
    v5: { section: '3.1', statement: 'MQTT-3.1.0-1' },
  },
  connectOnce: {
    says: 'a second CONNECT on the same network connection is a protocol violation',
    v311: { section: '3.1', statement: 'MQTT-3.1.0-2' },
    v5: { section: '3.1', statement: 'MQTT-3.1.0-2' },
  },
  protocolName: {
    says: 'the protocol name is the UTF-8 string "MQTT"',
    v311: { section: '3.1.2.1', statement: 'MQTT-3.1.2-1' },
    v5: { section: '3.1.2.1', statement: 'MQTT-3.1.2-1' },
  },
  protocolLevel: {
    says: 'a protocol level the server does not support is refused (3.1.1: CONNACK 0x01; 5.0: CONNACK 0x84)',
    v311: { section: '3.1.2.2', statement: 'MQTT-3.1.2-2' },
    v5: { section: '3.1.2.2', statement: 'MQTT-3.1.2-2' },
  },
  connectReservedFlag: {
    says: 'bit 0 of the connect flags is reserved and must be 0',
    v311: { section: '3.1.2.3', statement: 'MQTT-3.1.2-3' },
    v5: { section: '3.1.2.3', statement: 'MQTT-3.1.2-3' },
  },
  willQosWithoutWill: {
    says: 'with the will flag 0, the will QoS is 0',
    v311: { section: '3.1.2.6', statement: 'MQTT-3.1.2-13' },
    v5: { section: '3.1.2.6', statement: 'MQTT-3.1.2-11' },
  },
  willQosThree: {
    says: 'the will QoS must not be 3',
    v311: { section: '3.1.2.6', statement: 'MQTT-3.1.2-14' },
    v5: { section: '3.1.2.6', statement: 'MQTT-3.1.2-12' },
  },
  willRetainWithoutWill: {
    says: 'with the will flag 0, the will retain flag is 0',
    v311: { section: '3.1.2.7', statement: 'MQTT-3.1.2-15' },
    v5: { section: '3.1.2.7', statement: 'MQTT-3.1.2-13' },
  },
  passwordWithoutUser: {
    says: 'with the user name flag 0, the password flag is 0',
    v311: { section: '3.1.2.9', statement: 'MQTT-3.1.2-22' },
  },
  emptyClientIdPersistent: {
    says: 'a zero-length client id with clean session 0 is refused with CONNACK 0x02',
    v311: { section: '3.1.3.1', statement: 'MQTT-3.1.3-8' },
  },
  topicNameNoWildcards: {
    says: 'a topic name (PUBLISH topic, will topic, response topic) holds no wildcard characters',
    v311: { section: '3.3.2.1', statement: 'MQTT-3.3.2-2' },
    v5: { section: '3.3.2.1', statement: 'MQTT-3.3.2-2' },
  },
  topicNonEmpty: {
    says: 'topic names and topic filters are at least one character long',
    v311: { section: '4.7.3', statement: 'MQTT-4.7.3-1' },
    v5: { section: '4.7.3', statement: 'MQTT-4.7.3-1' },
  },
  publishQosThree: {
    says: 'a PUBLISH must not have both QoS bits set',
    v311: { section: '3.3.1.2', statement: 'MQTT-3.3.1-4' },
    v5: { section: '3.3.1.2', statement: 'MQTT-3.3.1-4' },
  },
  publishDupQosZero: {
    says: 'the DUP flag is 0 on every QoS 0 message',
    v311: { section: '3.3.1.1', statement: 'MQTT-3.3.1-2' },
    v5: { section: '3.3.1.1', statement: 'MQTT-3.3.1-2' },
  },
  topicAliasNonZero: {
    says: 'a Topic Alias of 0 is not permitted',
    v5: { section: '3.3.2.3.4', statement: 'MQTT-3.3.2-8' },
  },
  topicAliasMaximum: {
    says: "a client does not send a Topic Alias greater than the server's Topic Alias Maximum (absent: 0)",
    v5: { section: '3.3.2.3.4', statement: 'MQTT-3.3.2-9' },
  },
  noSubscriptionIdFromClient: {
    says: 'a PUBLISH from client to server carries no Subscription Identifier',
    v5: { section: '3.3.4', statement: 'MQTT-3.3.4-6' },
  },
  receiveMaximum: {
    says: "a client sends no more unacknowledged QoS 1 and 2 PUBLISHes than the server's Receive Maximum",
    v5: { section: '4.9', statement: 'MQTT-3.3.4-7' },
  },
  qos2Reuse: {
    says: 'until PUBREL, a PUBLISH with the same QoS 2 packet id is the same message: PUBREC again, no second delivery',
    v311: { section: '4.3.3' },
    v5: { section: '4.3.3' },
  },
  ackUnknownId: {
    says: 'PUBACK, PUBREC, PUBREL and PUBCOMP answer a PUBLISH (or PUBREC, PUBREL) of the same packet id in flight',
    v311: { section: '4.3' },
    v5: { section: '4.3', statement: 'MQTT-4.3.3-8' },
  },
  reasonCodeValid: {
    says: "a reason code is one the packet's table lists",
    v5: { section: '2.4' },
  },
  subscribeNonEmpty: {
    says: 'a SUBSCRIBE holds at least one topic filter and options pair',
    v311: { section: '3.8.3', statement: 'MQTT-3.8.3-3' },
    v5: { section: '3.8.3', statement: 'MQTT-3.8.3-2' },
  },
  subscribeOptionsReserved: {
    says: 'the reserved bits of the subscription options byte are 0 (3.1.1: bits 2-7; 5.0: bits 6-7)',
    v311: { section: '3.8.3.1', statement: 'MQTT-3-8.3-4' },
    v5: { section: '3.8.3.1', statement: 'MQTT-3.8.3-5' },
  },
  subscribeQosThree: {
    says: 'the maximum QoS of a subscription is 0, 1 or 2',
    v311: { section: '3.8.3.1', statement: 'MQTT-3-8.3-4' },
    v5: { section: '3.8.3.1' },
  },
  retainHandlingThree: {
    says: 'Retain Handling 3 is a Protocol Error',
    v5: { section: '3.8.3.1' },
  },
  noLocalShared: {
    says: 'No Local set on a shared subscription is a Protocol Error',
    v5: { section: '3.8.3.1', statement: 'MQTT-3.8.3-4' },
  },
  subscriptionIdNonZero: {
    says: 'a Subscription Identifier of 0 is a Protocol Error',
    v5: { section: '3.8.2.1.2' },
  },
  wildcardPlacement: {
    says: "'#' is the last character of a filter and a level of its own; '+' takes a whole level",
    v311: { section: '4.7.1', statement: 'MQTT-4.7.1-2' },
    v5: { section: '4.7.1', statement: 'MQTT-4.7.1-1' },
  },
  unsubscribeNonEmpty: {
    says: 'an UNSUBSCRIBE holds at least one topic filter',
    v311: { section: '3.10.3', statement: 'MQTT-3.10.3-2' },
    v5: { section: '3.10.3', statement: 'MQTT-3.10.3-2' },
  },
  disconnectSessionExpiry: {
    says: 'a DISCONNECT must not set a non-zero Session Expiry Interval when CONNECT said 0',
    v5: { section: '3.14.2.2.2', statement: 'MQTT-3.14.2-2' },
  },
  authWithoutMethod: {
    says: 'AUTH is only exchanged after a CONNECT that named an Authentication Method',
    v5: { section: '4.12', statement: 'MQTT-4.12.0-1' },
  },
  completePacket: {
    says: 'a packet is complete: every field its remaining length announces is sent',
    v311: { section: '2.2.3' },
    v5: { section: '2.1.4' },
  },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

/** `MQTT 5.0 §3.1.2.3, [MQTT-3.1.2-3]`: the rule's citation at one protocol level. */
export function cite(rule: RuleId, level: 4 | 5): string {
  const entry: Rule = RULES[rule];
  const citation = level === 5 ? (entry.v5 ?? entry.v311) : (entry.v311 ?? entry.v5);
  const version = level === 5 && entry.v5 !== undefined ? '5.0' : '3.1.1';
  if (citation === undefined) return entry.says;
  const statement = citation.statement === undefined ? '' : `, [${citation.statement}]`;
  return `MQTT ${version} §${citation.section}${statement}: ${entry.says}`;
}
