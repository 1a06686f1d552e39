import { usageError } from '../core/errors.js';
import type { MetricInfo } from '../core/metrics.js';
import { PROBE_KINDS, type ProbeKind } from '../core/probe-stats.js';

// `--probe [NAME[:AS]=]KIND[:ARG]`, checked before any connection is made:
//   proc[:PID,PID…]   sys[:TOPIC=NAME[:AS],…]   http:URL#SELECTOR   cgroup:PATH   cmd:COMMAND   jvm[:PID]
// NAME names the figure of an http or cmd probe (`http.NAME`, `cmd.NAME`); AS says what it is.

/**
 * What one figure is: memory (bytes), a count, the broker's connection count (for ghost sessions), or a recorded-only
 * value.
 */
export type FigureAs = 'bytes' | 'count' | 'connections' | 'value';
export const FIGURE_AS: readonly FigureAs[] = ['bytes', 'count', 'connections', 'value'];

export interface ProbeSpec {
  text: string;
  kind: ProbeKind;
  arg: string | null;
  name: string | null;
  as: FigureAs | null;
}

export const PROBE_FORM =
  '[NAME[:bytes|count|connections|value]=]KIND[:ARG], KIND one of proc, sys, http, cgroup, cmd, jvm';
export const PROBE_EXAMPLES =
  'e.g. --probe sys, --probe ' +
  "'http:http://127.0.0.1:15692/metrics#rabbitmq_process_resident_memory_bytes', --probe " +
  "cgroup:/sys/fs/cgroup/system.slice/docker-ID.scope, --probe 'heap:bytes=cmd:jcmd {pid} " +
  "GC.heap_info | awk ...'";

const NAMED = /^([A-Za-z][A-Za-z0-9_]*)(?::([a-z]+))?=([a-z]+)(?::([\s\S]*))?$/;
const PLAIN = /^([a-z]+)(?::([\s\S]*))?$/;

/** A figure name for metric names: letters, digits and `_` (`rabbitmq_process_resident_memory_bytes`). */
export function figureName(text: string): string {
  const name = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return name === '' ? 'value' : name;
}

/**
 * A figure's kind from its name where the user did not say: memory words → bytes, connection words → connections, else
 * count.
 */
export function guessFigureAs(name: string): FigureAs {
  if (/bytes|memory|mem_|heap|rss/i.test(name)) return 'bytes';
  if (/connections|connected|clients|sessions/i.test(name)) return 'connections';
  return 'count';
}

export function parseProbeSpec(text: string): ProbeSpec {
  const where = `--probe ${text}`;
  const fail = (why: string): never => {
    throw usageError(`${where}: ${why}`, `the form is ${PROBE_FORM}; ${PROBE_EXAMPLES}`);
  };
  const named = NAMED.exec(text);
  const plain = named === null ? PLAIN.exec(text) : null;
  if (named === null && plain === null) return fail('not a probe');
  const kindText = (named?.[3] ?? plain?.[1]) as string;
  if (!(PROBE_KINDS as readonly string[]).includes(kindText)) return fail(`no probe kind '${kindText}'`);
  const kind = kindText as ProbeKind;
  const asText = named?.[2];
  if (asText !== undefined && !(FIGURE_AS as readonly string[]).includes(asText))
    return fail(`'${asText}' is not what a figure can be (bytes, count, connections or value)`);
  const arg = (named?.[4] ?? plain?.[2] ?? null)?.trim() ?? null;
  const name = named?.[1] ?? null;
  if (name !== null && kind !== 'http' && kind !== 'cmd')
    fail('only http and cmd probes take a NAME= (sys names its figures in its map)');
  if ((kind === 'http' || kind === 'cmd' || kind === 'cgroup') && (arg === null || arg === '')) {
    fail({ http: 'needs URL#SELECTOR', cmd: 'needs a COMMAND', cgroup: 'needs the cgroup folder' }[kind]);
  }
  if (kind === 'http') {
    const hash = (arg as string).lastIndexOf('#');
    if (hash < 0 || hash === (arg as string).length - 1)
      fail('needs a #SELECTOR after the URL: a Prometheus metric name (with {labels}) or a JSON path');
    let url: URL | null = null;
    try {
      url = new URL((arg as string).slice(0, hash));
    } catch {
      fail(`'${(arg as string).slice(0, hash)}' is not a URL`);
    }
    if (url !== null && url.protocol !== 'http:' && url.protocol !== 'https:')
      fail('the URL must be http:// or https://');
  }
  if (kind === 'proc' && arg !== null && arg !== '' && !/^\d+(,\d+)*$/.test(arg))
    fail('proc takes a comma-separated list of PIDs');
  if (kind === 'jvm' && arg !== null && arg !== '' && !/^\d+$/.test(arg))
    fail("jvm takes the JVM's PID (absent: the broker's process)");
  return { text, kind, arg: arg === '' ? null : arg, name, as: (asText as FigureAs | undefined) ?? null };
}

/**
 * The metric of one figure, as its probe offers it; a connection count is recorded and judged through its ghost
 * sessions.
 */
export function figureMetric(probeId: string, name: string, as: FigureAs, description: string): MetricInfo {
  if (as === 'bytes') return { name: `${probeId}.${name}`, kind: 'bytes', unit: 'B', judged: true, description };
  if (as === 'count') return { name: `${probeId}.${name}`, kind: 'count', unit: name, judged: true, description };
  return {
    name: `${probeId}.${name}`,
    kind: 'count',
    unit: as === 'connections' ? 'connections' : name,
    judged: false,
    description,
  };
}

/** `<probe>.ghostSessions`: the broker's connection count minus the connections mqleak holds, judged like fds. */
export function ghostMetric(probeId: string, source: string): MetricInfo {
  return {
    name: `${probeId}.ghostSessions`,
    kind: 'count',
    unit: 'sessions',
    judged: true,
    description: `connections the broker counts (${source}) beyond those mqleak holds`,
  };
}
