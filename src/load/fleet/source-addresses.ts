import net from 'node:net';
import { isLoopbackHost } from '../../net/broker-address.js';

// Every TCP connection to one broker port needs its own (source address, source port) pair: one source
// address reaches at most the ephemeral port range (28,232 ports on a default Linux) connections to that
// port. Past it, connects fail with EADDRNOTAVAIL — and unbound connects already slow down past ~14k as the
// kernel searches the range. Binding each connection to one of several source addresses multiplies the
// room: on loopback any 127.x.y.z is this machine, so mqleak spreads itself over as many as it needs.

/**
 * Connections mqleak puts on one source address to one broker port: under the default range's 28,232 with
 * room for the TIME_WAIT sockets of earlier cycles and for other programs' connections to the same port.
 * The most an address given with --source-ip is planned for.
 */
export const MAX_CONNECTIONS_PER_SOURCE = 25_000;
/**
 * Connections per loopback source address when mqleak picks them. A connect bound to an address searches
 * that address's ports for a free one in the kernel, and the search grows with the ports taken: measured
 * here (docs/scale.md), 15,000 connects bound to one address ran at 196/s past 10,000 (33 s of system
 * CPU), spread over 3 addresses of 5,000 at ~7,000/s. Loopback addresses cost nothing, so each gets few.
 */
export const LOOPBACK_PER_SOURCE = 5_000;
/**
 * Sets of loopback addresses used in turn, one set per cycle: a connection mqleak closed first stays in
 * TIME_WAIT on its source port for 60 s, and a bound connect cannot take that port, so a set is used
 * again only after 15 other cycles (at least 60 s at a few seconds a cycle).
 */
export const LOOPBACK_ROTATION = 16;
/** The first loopback source address mqleak spreads over (127.0.0.1 is left to everything else on the machine). */
const LOOPBACK_BASE = [127, 0, 1, 1] as const;

export interface SourcePlan {
  /**
   * Source addresses the connections are bound to: `perCycle` in turn within a cycle, the next set the next cycle;
   * empty: unbound (the kernel picks).
   */
  addresses: string[];
  /** Addresses one cycle uses (the rest are the sets of later cycles). */
  perCycle: number;
  /** Connections the plan has room for at once (Infinity when the kernel picks and nothing is known). */
  capacity: number;
  /** How the addresses were chosen, for the report and the pre-run checks. */
  origin: 'source-ip' | 'loopback-spread' | 'kernel';
}

/** The n-th loopback source address: 127.0.1.1, 127.0.1.2 … 127.0.1.254, 127.0.2.1 … */
export function loopbackSource(n: number): string {
  const perBlock = 254; // .0 and .255 are skipped: no surprises with tools that treat them as network/broadcast
  const third = LOOPBACK_BASE[2] + Math.floor(n / perBlock);
  const second = LOOPBACK_BASE[1] + Math.floor(third / 256);
  return `127.${second}.${third % 256}.${LOOPBACK_BASE[3] + (n % perBlock)}`;
}

/**
 * Where `connections` clients (held at once) connect from. `--source-ip` addresses when given; a loopback
 * broker at 127.x.y.z gets as many loopback sources as it needs (at least one: bound connects stay fast
 * where unbound ones slow down); any other broker: the kernel's choice.
 */
export function planSourceAddresses(
  brokerHost: string,
  connections: number,
  sourceIps: readonly string[] = [],
): SourcePlan {
  if (sourceIps.length > 0) {
    return {
      addresses: [...sourceIps],
      perCycle: sourceIps.length,
      capacity: sourceIps.length * MAX_CONNECTIONS_PER_SOURCE,
      origin: 'source-ip',
    };
  }
  if (net.isIPv4(brokerHost) && isLoopbackHost(brokerHost)) {
    const perCycle = Math.max(1, Math.ceil(connections / LOOPBACK_PER_SOURCE));
    return {
      addresses: Array.from({ length: perCycle * LOOPBACK_ROTATION }, (_, n) => loopbackSource(n)),
      perCycle,
      capacity: perCycle * MAX_CONNECTIONS_PER_SOURCE,
      origin: 'loopback-spread',
    };
  }
  return { addresses: [], perCycle: 0, capacity: MAX_CONNECTIONS_PER_SOURCE, origin: 'kernel' };
}

/**
 * The source address of client `index` (0-based over all the clients held at once) in cycle `cycle`: the
 * cycle's set of `perCycle` addresses in turn, so each gets an even share; the next cycle the next set.
 */
export function sourceFor(
  addresses: readonly string[],
  perCycle: number,
  index: number,
  cycle = 0,
): string | undefined {
  if (addresses.length === 0 || perCycle <= 0) return undefined;
  const sets = Math.max(1, Math.floor(addresses.length / perCycle));
  return addresses[(cycle % sets) * perCycle + (index % perCycle)];
}

/** `--source-ip ADDR`: an IPv4 or IPv6 address of this machine (checked by binding to it before any load). */
export function isSourceAddress(raw: string): boolean {
  return net.isIP(raw) !== 0;
}
