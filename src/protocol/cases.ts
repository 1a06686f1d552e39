// The case model of the protocol-errors walk: a base case (one rule broken one way) crossed with what
// changes what a broker keeps (session, will, credentials, the way the client leaves).

import type { ConnectSpec, Encoded } from './encode.js';
import type { RuleId } from './rules.js';

export type Level = 4 | 5;
/** When the case's bytes go: as the CONNECT itself, as the first packet instead of CONNECT, or after an accepted CONNECT. */
export type Phase = 'connect' | 'first' | 'session';
export type Leave = 'disconnect' | 'abrupt' | 'silence';
export type SessionKind = 'clean' | 'persistent';

/** What a case's bytes are built from at run time (client id, topics, what the broker's CONNACK said). */
export interface CaseContext {
  clientId: string;
  /** A topic prefix unique to the run: `PREFIX/...`. */
  topicPrefix: string;
  /** 5.0: the broker's Receive Maximum and Topic Alias Maximum from its CONNACK (absent: 65535 and 0, §3.2.2.3). */
  receiveMaximum: number;
  topicAliasMaximum: number;
}

export interface BaseCase {
  /** `family.name`, stable. */
  id: string;
  family: string;
  level: Level;
  phase: Phase;
  rule: RuleId;
  /** What is sent, in words. */
  words: string;
  /**
   * connect phase: the CONNECT from the crossed valid CONNECT (spec). first and session phases: the
   * packets sent (first: instead of CONNECT; session: after the CONNACK).
   */
  build(spec: ConnectSpec, context: CaseContext): Encoded[];
  /** The client stops reading once it has sent (QoS 2 reuse, receive-maximum overrun). */
  notReading?: boolean;
  /** The bytes stop inside a packet: the client can only close or go silent. */
  truncated?: boolean;
  /** Crossings that apply (default: both sessions, with and without a will, every leave). */
  sessions?: readonly SessionKind[];
  wills?: readonly boolean[];
  leaves?: readonly Leave[];
}

export interface ProtocolCase {
  /** `family.name~persistent+will+creds/abrupt` */
  id: string;
  base: BaseCase;
  session: SessionKind;
  will: boolean;
  /** Credentials sent: when the run has them, with and without them for CONNECT-phase cases; else as given. */
  credentials: boolean;
  leave: Leave;
}

export function caseId(
  base: string,
  session: SessionKind,
  will: boolean,
  credentials: boolean | null,
  leave: Leave,
): string {
  const creds = credentials === null ? '' : credentials ? '+creds' : '-creds';
  return `${base}~${session}${will ? '+will' : ''}${creds}/${leave}`;
}

export function describeCase(item: ProtocolCase, citation: string): string {
  const session = item.session === 'persistent' ? 'a persistent session' : 'a clean session';
  const leave =
    item.leave === 'disconnect'
      ? 'then DISCONNECT'
      : item.leave === 'abrupt'
        ? 'then gone without a word'
        : 'then silence';
  return (
    `${item.base.words} ` +
    `(MQTT ${item.base.level === 5 ? '5.0' : '3.1.1'},` +
    ` ${session}${item.will ? ', with a will' : ''}${item.credentials ? ', with credentials' : ''}, ${leave});` +
    ` ${citation}`
  );
}
