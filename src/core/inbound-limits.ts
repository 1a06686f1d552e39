import { KIB, MIB } from './units.js';

// What a broker may make mqleak hold. mqleak measures a broker's memory; a broker (broken or hostile) must not
// be able to grow mqleak's instead: a remaining length up to 256 MB (MQTT 3.1.1 §2.2.3), a flood of packets, a
// packet dripped one byte a second. See docs/reliability.md ("A hostile broker").

/** The largest payload mqleak itself sends (every pattern's `payloadBytes` maximum): what a broker may echo back. */
export const MAX_OWN_PAYLOAD_BYTES = MIB;
/**
 * The largest packet mqleak accepts from a broker: a PUBLISH echoing mqleak's largest payload, with the longest
 * topic MQTT allows (65,535 bytes, §1.5.3) and as much again of MQTT 5 properties, plus the fixed header
 * (5 bytes). CONNACK, SUBACK, UNSUBACK, the acks and PINGRESP are far smaller. A longer announcement is not a
 * packet mqleak could need: the connection is refused as a broken stream before anything is buffered.
 */
export const MAX_INBOUND_PACKET_BYTES = MAX_OWN_PAYLOAD_BYTES + 2 * 64 * KIB + 5;
/**
 * Bytes of unfinished packets held across all of a process's connections. One connection may hold up to
 * MAX_INBOUND_PACKET_BYTES; 64 connections at once each dripping a packet of that size is already far past
 * what any pattern receives at a time (payloads are echoed one message at a time per connection, mostly
 * small). Past it, the connection that asks for more is refused as a broken stream, so mqleak's own memory for
 * inbound packets stays under this figure whatever the broker does.
 */
export const INBOUND_BUFFER_BUDGET_BYTES = 64 * MIB;
