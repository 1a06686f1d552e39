import { usageError } from '../core/errors.js';
import type { Credentials } from '../core/credentials.js';
import type { BrokerAddress } from '../net/broker-address.js';
import { CgroupProbe } from './cgroup-probe.js';
import { CmdProbe } from './cmd-probe.js';
import { heldConnections, watchHeldConnections } from './held-connections.js';
import { HttpProbe } from './http-probe.js';
import { JvmProbe } from './jvm-probe.js';
import { ProcClusterProbe } from './proc-cluster-probe.js';
import type { Probe } from './probe.js';
import { parseProbeSpec, type ProbeSpec } from './probe-spec.js';
import { MOSQUITTO_SYS, parseSysMap, SysProbe } from './sys-probe.js';

export interface ProbeSetup {
  specs: readonly ProbeSpec[];
  /** The target's process, and any more given (`--pid` repeated, `--process NAME`, `proc:PID,…`). */
  pids: readonly number[];
  broker: BrokerAddress;
  credentials?: Credentials;
  /** The broker's JVM whose heap is read without a `--probe jvm` (run.ts decides: a java process with perf data). */
  autoJvmPid?: number | null;
}

/** Parses every `--probe` text, a sys map's topics too (a usage error names the first bad one); refuses duplicates. */
export function parseProbeSpecs(texts: readonly string[]): ProbeSpec[] {
  const specs = texts.map(parseProbeSpec);
  for (const spec of specs) if (spec.kind === 'sys' && spec.arg !== null) parseSysMap(spec.arg, `--probe ${spec.text}`);
  for (const kind of ['sys', 'cgroup', 'jvm'] as const) {
    if (specs.filter((spec) => spec.kind === kind).length > 1) {
      throw usageError(
        `--probe ${kind} given twice`,
        kind === 'sys'
          ? 'put every topic in one sys:TOPIC=NAME,… map'
          : kind === 'cgroup'
            ? 'one cgroup folder per run'
            : 'one JVM per run (its heap is jvm.heapUsed)',
      );
    }
  }
  return specs;
}

function check(probes: readonly Probe[]): void {
  const seen = new Map<string, Probe>();
  for (const probe of probes) {
    for (const metric of probe.metrics) {
      const other = seen.get(metric.name);
      if (other !== undefined && other !== probe) {
        throw usageError(
          `--probe: two probes give ${metric.name} (${other.source} and ${probe.source})`,
          'name one of them: --probe NAME=http:… or NAME=cmd:… (one connection count per kind)',
        );
      }
      seen.set(metric.name, probe);
    }
  }
}

/** The probes of a run, not yet opened: proc for the watched processes, then each `--probe` in order. */
export function buildProbes(setup: ProbeSetup): Probe[] {
  const held = (): number => heldConnections(setup.broker.port);
  const extraPids = setup.specs
    .filter((spec) => spec.kind === 'proc' && spec.arg !== null)
    .flatMap((spec) => (spec.arg as string).split(',').map(Number));
  const pids = [...new Set([...setup.pids, ...extraPids])];
  const probes: Probe[] = pids.length > 0 ? [new ProcClusterProbe(pids)] : [];
  for (const spec of setup.specs) {
    if (spec.kind === 'sys')
      probes.push(
        new SysProbe(
          setup.broker,
          spec.arg === null ? MOSQUITTO_SYS : parseSysMap(spec.arg, `--probe ${spec.text}`),
          held,
          setup.credentials,
        ),
      );
    if (spec.kind === 'cgroup') probes.push(new CgroupProbe(spec.arg as string));
    if (spec.kind === 'jvm') {
      const pid = spec.arg === null ? (pids[0] ?? null) : Number(spec.arg);
      if (pid === null) throw usageError('--probe jvm: no broker process to read', 'give the JVM: --probe jvm:PID');
      probes.push(new JvmProbe(pid));
    }
    if (spec.kind === 'cmd')
      probes.push(
        new CmdProbe({ command: spec.arg as string, name: spec.name, as: spec.as, pid: pids[0] ?? null, held }),
      );
    if (spec.kind === 'http') {
      const arg = spec.arg as string;
      const hash = arg.lastIndexOf('#');
      probes.push(
        new HttpProbe({ url: arg.slice(0, hash), selector: arg.slice(hash + 1), name: spec.name, as: spec.as, held }),
      );
    }
  }
  const autoJvm = setup.autoJvmPid ?? null;
  if (autoJvm !== null && !setup.specs.some((spec) => spec.kind === 'jvm')) probes.push(new JvmProbe(autoJvm));
  check(probes);
  return probes;
}

/** Opens every probe (connects the $SYS subscriber, checks the cgroup folder); closes what opened when one fails. */
export async function openProbes(probes: readonly Probe[]): Promise<void> {
  if (probes.some((probe) => probe.metrics.some((metric) => metric.name.endsWith('.ghostSessions'))))
    watchHeldConnections();
  const opened: Probe[] = [];
  try {
    for (const probe of probes) {
      await probe.open?.();
      opened.push(probe);
    }
  } catch (error) {
    await closeProbes(opened);
    throw error;
  }
}

export async function closeProbes(probes: readonly Probe[]): Promise<void> {
  await Promise.all(probes.map((probe) => probe.close?.().catch(() => undefined)));
}
