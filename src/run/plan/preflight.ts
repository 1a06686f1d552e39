import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_CONNECTIONS_PER_SOURCE } from '../../load/fleet/source-addresses.js';
import { clientsPerProcess, openFilesLimit, MAX_WORKERS } from '../../load/fleet/worker-split.js';

// Checks made before any load: what will limit a run that asks for many connections at once. Every
// socket is a file descriptor on both sides (mqleak's and the broker's open-files limit), and every
// connection to one broker port takes a source port from the ephemeral range of its source address.
// The checks read /proc (a root folder is passed so tests use fixture files) and only warn: the run goes on.

/** Where the defaults of Linux put the ephemeral range (net.ipv4.ip_local_port_range), when /proc does not say. */
const LINUX_DEFAULT_PORT_RANGE: [number, number] = [32768, 60999];
/**
 * fds a broker needs besides its clients (listeners, log file, epoll, persistence): Mosquitto at a 20,000
 * limit held 19,990 clients here, so 10 is what it keeps; other brokers keep more, so the warning starts early.
 */
export const BROKER_SPARE_FDS = 10;
/**
 * Past this share of the ephemeral range, unbound connects slow down (the kernel searches the range: ~14k of 28k here).
 */
const UNBOUND_SLOW_SHARE = 0.5;

export interface PreflightFacts {
  /** mqleak's open-files limit (soft, hard); null where /proc does not say. */
  ownFdLimit: { soft: number; hard: number } | null;
  /** The broker's, from /proc/PID/limits: null when its process is not visible (another user's, remote). */
  brokerFdLimit: { soft: number; hard: number } | null;
  /** net.ipv4.ip_local_port_range. */
  portRange: [number, number] | null;
}

export interface PlannedLoad {
  /** Connections held at once at the peak of the largest scenario. */
  connections: number;
  /** Source addresses the connections are spread over; 0: unbound (the kernel picks, one address). */
  sourceAddresses: number;
  /** Which scenario asks for the peak, for the message. */
  scenario: string;
}

export interface PreflightNote {
  level: 'warning' | 'info';
  /** What is checked: `mqleak-open-files`, `broker-open-files`, `ephemeral-ports`. */
  check: string;
  message: string;
}

export function parsePortRange(text: string): [number, number] | null {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (match === null) return null;
  const low = Number(match[1]);
  const high = Number(match[2]);
  return high >= low ? [low, high] : null;
}

const count = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'unlimited');

/** The warnings and notes for a planned load under the limits found. Pure. */
export function preflightNotes(facts: PreflightFacts, load: PlannedLoad): PreflightNote[] {
  const notes: PreflightNote[] = [];
  const { connections, scenario } = load;
  if (connections <= 0) return notes;

  if (facts.ownFdLimit !== null) {
    const perProcess = clientsPerProcess(facts.ownFdLimit.soft);
    const processes = Math.ceil(connections / perProcess);
    if (processes > MAX_WORKERS) {
      notes.push({
        level: 'warning',
        check: 'mqleak-open-files',
        message:
          `${scenario}: ${count(connections)} connections at mqleak's open-files limit of ` +
          `${count(facts.ownFdLimit.soft)} (ulimit -n) need ${processes} load processes, ` +
          `more than the ${MAX_WORKERS} mqleak starts: raise ulimit -n (hard limit ` +
          `${count(facts.ownFdLimit.hard)})`,
      });
    } else if (processes > 1) {
      notes.push({
        level: 'info',
        check: 'mqleak-open-files',
        message:
          `${scenario}: ${count(connections)} connections are more than one process holds ` +
          `under mqleak's open-files limit of ${count(facts.ownFdLimit.soft)} (ulimit -n): ` +
          `spread over ${processes} load processes of at most ${count(perProcess)} each`,
      });
    }
  }

  if (facts.brokerFdLimit !== null && connections + BROKER_SPARE_FDS > facts.brokerFdLimit.soft) {
    const room = Math.max(0, facts.brokerFdLimit.soft - BROKER_SPARE_FDS);
    notes.push({
      level: 'warning',
      check: 'broker-open-files',
      message:
        `${scenario}: the broker's open-files limit is ${count(facts.brokerFdLimit.soft)} ` +
        `(/proc/PID/limits): it can hold about ${count(room)} clients, ${count(connections)} ` +
        `are asked; it will refuse the rest. Raise its limit (ulimit -n, LimitNOFILE= for a ` +
        `systemd service) or ask for fewer clients`,
    });
  }

  const range = facts.portRange ?? LINUX_DEFAULT_PORT_RANGE;
  const ports = range[1] - range[0] + 1;
  const addresses = Math.max(1, load.sourceAddresses);
  const perAddress = Math.ceil(connections / addresses);
  if (perAddress > ports) {
    const needed = Math.ceil(connections / Math.min(ports, MAX_CONNECTIONS_PER_SOURCE));
    notes.push({
      level: 'warning',
      check: 'ephemeral-ports',
      message:
        `${scenario}: ${count(connections)} connections to one broker port from ${addresses} ` +
        `source address${addresses === 1 ? '' : 'es'} need ${count(perAddress)} source ports ` +
        `each, the ephemeral range ${range[0]}–${range[1]} has ${count(ports)}: connects ` +
        `past it fail (EADDRNOTAVAIL). Give ${needed} addresses of this machine with ` +
        `--source-ip (repeatable)`,
    });
  } else if (load.sourceAddresses === 0 && perAddress > ports * UNBOUND_SLOW_SHARE) {
    notes.push({
      level: 'info',
      check: 'ephemeral-ports',
      message:
        `${scenario}: ${count(connections)} unbound connections use over half of the ` +
        `ephemeral range ${range[0]}–${range[1]} (${count(ports)} ports): connects slow down ` +
        `as it fills; --source-ip spreads them`,
    });
  }
  return notes;
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Reads the limits from `procRoot` (/proc; a fixture folder in tests). The broker's only when its PID is known and
 * visible.
 */
export async function readPreflightFacts(brokerPid: number | null, procRoot = '/proc'): Promise<PreflightFacts> {
  const own = await readOrNull(path.join(procRoot, 'self', 'limits'));
  const broker = brokerPid === null ? null : await readOrNull(path.join(procRoot, String(brokerPid), 'limits'));
  const range = await readOrNull(path.join(procRoot, 'sys', 'net', 'ipv4', 'ip_local_port_range'));
  return {
    ownFdLimit: own === null ? null : openFilesLimit(own),
    brokerFdLimit: broker === null ? null : openFilesLimit(broker),
    portRange: range === null ? null : parsePortRange(range),
  };
}

/**
 * The scenario parameters that say how many connections are held at once: mass-connect's crowd, every other pattern's
 * pools.
 */
export function peakConnections(pattern: string, params: Readonly<Record<string, unknown>>): number {
  const numeric = (name: string): number => (typeof params[name] === 'number' ? (params[name] as number) : 0);
  if (pattern === 'mass-connect') return numeric('clients') > 0 ? numeric('clients') : numeric('operationsPerCycle');
  // Patterns hold their in-flight operations plus side pools (silent connections, keepalive expiries, observers).
  return numeric('concurrency') + numeric('silentConcurrency') + numeric('expiryConcurrency') + 1;
}

/**
 * Plain words for connections refused because the broker ran out of file descriptors: some connects failed
 * while its open fds reached its limit (less the few it keeps for itself). Null when that is not what happened.
 */
export function brokerFdLimitNote(
  peakBrokerFds: number | null,
  brokerFdLimit: number | null,
  failures: number,
): string | null {
  if (peakBrokerFds === null || brokerFdLimit === null || !Number.isFinite(brokerFdLimit) || failures === 0)
    return null;
  if (peakBrokerFds < brokerFdLimit - BROKER_SPARE_FDS) return null;
  return (
    `the broker refused connections because it ran out of file descriptors: ` +
    `${count(peakBrokerFds)} open of its limit of ${count(brokerFdLimit)} (its ulimit -n), ` +
    `${count(failures)} connects failed. That is the broker's open-files limit, not a leak: ` +
    `raise it (ulimit -n, LimitNOFILE= for a systemd service) to test more clients`
  );
}
