// Separate hosts for the agents' tests: network namespaces made by the test, each joined to this machine
// by a veth pair with its own private /30 (10.X.k.0/30: .1 on this machine's end, .2 inside). Traffic goes
// only between these namespaces and this machine; every namespace (and with it its veth pair) is removed
// afterwards, also when the test fails or the process exits. Needs root and iproute2 (`ip netns`).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

export interface NetnsHost {
  /** The namespace's name (`ip netns exec NAME ...`). */
  name: string;
  /** Its address (inside), and this machine's end of its pair. */
  address: string;
  gateway: string;
}

export interface NetnsHosts {
  hosts: NetnsHost[];
  /** An address of this machine every namespace reaches (the first pair's own end): brokers and the coordinator listen there. */
  hub: string;
  /** Starts `command args` inside a host. */
  spawnIn(
    host: NetnsHost,
    command: string,
    args: readonly string[],
    options?: Parameters<typeof spawn>[2],
  ): ChildProcess;
  remove(): void;
}

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why namespaces cannot be made here, or null when they can (tried for real: add and delete one). */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'making network namespaces needs root (ip netns add)';
  const probe = `mqleak-probe-${randomBytes(3).toString('hex')}`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return null;
  } catch (error) {
    return `ip netns add failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}

/** A second octet whose 10.X.0.0/16 this machine does not use already. */
function freeSubnet(): number {
  const used = ip(['-4', 'addr']) + ip(['-4', 'route']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const octet = randomInt(200, 250);
    if (!used.includes(`10.${octet}.`)) return octet;
  }
  throw new Error('no free 10.X.0.0/16 for the test namespaces');
}

const live = new Set<NetnsHosts>();
function removeAll(): void {
  for (const hosts of live) hosts.remove();
}
process.once('exit', removeAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    removeAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

/** Namespaces an earlier test process made and could not remove (it was SIGKILLed): their creator's PID is gone. */
function removeOrphans(): void {
  for (const line of ip(['netns', 'list']).split('\n')) {
    const match = /^(mqleak-p(\d+)-\w+-\d+)/.exec(line);
    if (match === null) continue;
    try {
      process.kill(Number(match[2]), 0);
    } catch {
      try {
        ip(['netns', 'del', match[1] as string]);
      } catch {
        // gone meanwhile
      }
    }
  }
}

export function createHosts(count: number): NetnsHosts {
  removeOrphans();
  const tag = randomBytes(2).toString('hex');
  const octet = freeSubnet();
  const hosts: NetnsHost[] = [];
  const children = new Set<ChildProcess>();
  const made: string[] = [];
  const result: NetnsHosts = {
    hosts,
    hub: `10.${octet}.1.1`,
    spawnIn(host, command, args, options = {}) {
      const child = spawn('ip', ['netns', 'exec', host.name, command, ...args], options);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    remove() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const name of made.splice(0)) {
        // Whatever still runs inside is ours: stopped by PID before the namespace goes.
        try {
          for (const pid of ip(['netns', 'pids', name]).split('\n').filter(Boolean))
            process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone already
        }
        try {
          ip(['netns', 'del', name]);
        } catch {
          // gone already
        }
      }
      live.delete(result);
    },
  };
  live.add(result);
  try {
    for (let k = 1; k <= count; k++) {
      const name = `mqleak-p${process.pid}-${tag}-${k}`;
      const outside = `mq${tag}h${k}`;
      const inside = `mq${tag}n${k}`;
      const gateway = `10.${octet}.${k}.1`;
      const address = `10.${octet}.${k}.2`;
      ip(['netns', 'add', name]);
      made.push(name);
      ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', name]);
      ip(['addr', 'add', `${gateway}/30`, 'dev', outside]);
      ip(['link', 'set', outside, 'up']);
      ip(['-n', name, 'addr', 'add', `${address}/30`, 'dev', inside]);
      ip(['-n', name, 'link', 'set', inside, 'up']);
      ip(['-n', name, 'link', 'set', 'lo', 'up']);
      // Everything else (the hub on the first pair's end) through this machine's end of the pair.
      ip(['-n', name, 'route', 'add', 'default', 'via', gateway]);
      hosts.push({ name, address, gateway });
    }
  } catch (error) {
    result.remove();
    throw error;
  }
  return result;
}
