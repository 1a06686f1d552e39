import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, usageError } from '../core/errors.js';
import type { AttributionReport, AttributionTool, ScenarioReport } from '../core/report-model.js';
import { HeaptrackSession } from '../attribute/heaptrack-session.js';
import { findHeaptrack } from '../attribute/heaptrack-tools.js';
import { nativeSites, type ScenarioFloorTimes } from '../attribute/native-sites.js';
import type { TargetOptions } from '../target/resolve-target.js';
import type { Target } from '../target/target.js';
import { judgeSites } from '../verdict/judge-attribution.js';

// `--attribute`: which tool fits the broker's runtime, starting it with the broker, and turning what it recorded
// into each scenario's `attribution` section once the run is over. A failure here never costs the verdict.

export type BrokerRuntime = 'native' | 'node' | 'jvm' | 'erlang' | 'python';

const NODE_NAMES = new Set(['node', 'nodejs']);
const JVM_NAMES = new Set(['java']);
const ERLANG_NAMES = new Set(['beam.smp', 'beam', 'erl', 'erlexec']);
const PYTHON_NAMES = /^python[0-9.]*$/;

function runtimeOfProgram(program: string): BrokerRuntime {
  const name = path.basename(program);
  if (NODE_NAMES.has(name)) return 'node';
  if (JVM_NAMES.has(name)) return 'jvm';
  if (ERLANG_NAMES.has(name)) return 'erlang';
  if (PYTHON_NAMES.test(name)) return 'python';
  return 'native';
}

/** The program a --spawn command runs (past `env` and VAR=value words). */
export function spawnedProgram(command: string): string {
  const words = command.trim().split(/\s+/);
  let at = 0;
  while (at < words.length && (words[at] === 'env' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[at] as string))) at++;
  return words[at] ?? '';
}

/** What stands in where no attribution tool exists for the runtime: a command whose output a probe can judge. */
const PROBE_INSTEAD: Record<Exclude<BrokerRuntime, 'native'>, string> = {
  node:
    "V8 heap snapshots are not collected by this version: feed the heap's size instead, e.g. --probe cmd:'node " +
    "-e ...' reading process.memoryUsage() over the broker's own admin endpoint",
  jvm:
    'the class histogram is not collected by this version: feed the heap after GC instead, e.g. --probe ' +
    "cmd:'jcmd {pid} GC.heap_info' (used bytes)",
  erlang:
    'no allocation-site tool for the Erlang VM: feed its allocator figures instead, e.g. --probe ' +
    "cmd:'rabbitmq-diagnostics memory_breakdown --formatter json' or erlang:memory() through the broker's " +
    'CLI',
  python:
    "no allocation-site tool for Python brokers: feed tracemalloc's totals from the broker instead, e.g. " +
    "--probe cmd:'...'",
};

export interface AttributionPlan {
  runtime: BrokerRuntime;
  /** How heaptrack gets into the broker (native only). */
  via: 'spawn' | 'attach' | null;
}

/** Checked before any connection (exit 64 on bad input): whether attribution can run and how. */
export async function planAttribution(target: TargetOptions, wanted: boolean): Promise<AttributionPlan | null> {
  if (!wanted) return null;
  if (target.noProc === true) {
    throw usageError(
      '--attribute with --no-proc: attribution reads the broker process itself (heaptrack, heap snapshots, ' +
        'jcmd), and --no-proc says there is none to read',
      'drop --no-proc and give the broker with --spawn "CMD" or --pid N, or drop --attribute',
    );
  }
  let runtime: BrokerRuntime;
  let via: AttributionPlan['via'] = null;
  if (target.spawn !== undefined) {
    runtime = runtimeOfProgram(spawnedProgram(target.spawn));
    via = 'spawn';
  } else if (target.pid !== undefined) {
    const exe = await readlink(`/proc/${target.pid}/exe`).catch(() => '');
    runtime = runtimeOfProgram(exe);
    via = 'attach';
  } else if (target.broker === undefined) {
    runtime = 'node'; // the embedded Aedes broker
  } else {
    runtime = 'native'; // found by its port: decided again once the process is known
    via = 'attach';
  }
  // heaptrack missing is bad input (exit 64), found before any load.
  if (runtime === 'native') await findHeaptrack();
  return { runtime, via: runtime === 'native' ? via : null };
}

/** A started attribution: heaptrack tracing the broker, or the note saying why nothing is collected. */
export interface ActiveAttribution {
  session: HeaptrackSession | null;
  tool: AttributionTool;
  /** Why nothing is collected (other runtimes), or what failed on the way. */
  note: string | null;
}

/** Before the target starts: opens heaptrack's FIFO for a spawned native broker and says how to preload it. */
export async function beginAttribution(
  plan: AttributionPlan,
  target: TargetOptions,
): Promise<{ active: ActiveAttribution; target: TargetOptions }> {
  if (plan.runtime !== 'native') {
    return {
      active: {
        session: null,
        tool: 'none',
        note: `attribution is not available for this ${plan.runtime} broker: ${PROBE_INSTEAD[plan.runtime]}`,
      },
      target,
    };
  }
  const session = await HeaptrackSession.open(await findHeaptrack());
  const active: ActiveAttribution = { session, tool: 'heaptrack', note: null };
  if (plan.via !== 'spawn') return { active, target };
  return { active, target: { ...target, spawnAssignments: session.spawnAssignments() } };
}

/** Once the target runs: marks when heaptrack started (spawn), or injects it (attach). */
export async function attachAttribution(
  active: ActiveAttribution,
  plan: AttributionPlan,
  target: Target,
  spawnedAtMs: number,
  clock: () => number,
): Promise<void> {
  const session = active.session;
  if (session === null) return;
  if (plan.via === 'spawn') {
    session.originMs = spawnedAtMs;
    return;
  }
  if (target.pid === null) throw usageError('--attribute: the broker has no process to attach heaptrack to');
  const exe = await readlink(`/proc/${target.pid}/exe`).catch(() => '');
  const runtime = runtimeOfProgram(exe);
  if (runtime !== 'native') {
    active.session = null;
    active.tool = 'none';
    active.note = `attribution is not available for this ${runtime} broker: ${PROBE_INSTEAD[runtime]}`;
    await session.dispose();
    return;
  }
  await session.attach(target.pid, clock);
}

const INSTRUMENTED_NOTE =
  'only an instrumented run exists: this verdict was measured with heaptrack inside the broker (it slows ' +
  'every allocation); for the verdict of record run the same scenario again without --attribute';
const DEBUG_HINT =
  'the broker binary has no debug information for some frames (addresses only, or no file:line): install its ' +
  'debug symbols (Debian: the -dbgsym package from the debian-debug archive, or build with -g) and run again';

function floorTimes(report: ScenarioReport): ScenarioFloorTimes {
  const baseline = report.phases.find((phase) => phase.name === 'baseline');
  const recovery = report.phases.find((phase) => phase.name === 'recovery');
  return {
    cycleEndsMs: report.cycles.map((cycle) => cycle.endMs),
    baselineEndMs: baseline?.endMs ?? null,
    recoveryEndMs: recovery?.endMs ?? null,
  };
}

function baseReport(report: ScenarioReport, tool: AttributionTool): AttributionReport {
  const rss = report.metrics.find((metric) => metric.name === 'proc.rss');
  return {
    tool,
    status: 'ok',
    note: '',
    verdictOfRecord: tool === 'none' ? 'plain' : 'instrumented',
    opsPerSecond: { instrumented: tool === 'none' ? null : report.opsPerSecond, plain: null },
    rssBytesPerOp: rss?.bytesPerOp ?? null,
    explainedShare: null,
    sitesJudged: 0,
    sites: [],
    hints: [],
  };
}

/** After the target stopped: reads the trace and adds each scenario's `attribution`; failures become notes. */
export async function finishAttribution(
  active: ActiveAttribution,
  reports: readonly ScenarioReport[],
): Promise<ScenarioReport[]> {
  const session = active.session;
  if (session === null) {
    return reports.map((report) => ({
      ...report,
      attribution: { ...baseReport(report, active.tool), status: 'unavailable', note: active.note ?? '' },
    }));
  }
  const failed = (note: string): ScenarioReport[] =>
    reports.map((report) => ({
      ...report,
      attribution: {
        ...baseReport(report, 'heaptrack'),
        status: 'failed',
        note: `attribution failed: ${note}; the verdict stands. ${INSTRUMENTED_NOTE}`,
      },
    }));
  try {
    if (active.note !== null) return failed(active.note);
    const trace = await session.finish();
    if ('error' in trace) return failed(trace.error);
    if (session.originMs === null) return failed('heaptrack never started in the broker');
    const sites = await nativeSites(trace.file, session.originMs, reports.map(floorTimes));
    if (!sites.reachedAny)
      return failed(
        'the heaptrack trace ends before the first floor: the broker stopped writing it (a wrapper that ' +
          'resets LD_PRELOAD, or an exec after start?)',
      );
    return reports.map((report, k) => {
      const base = baseReport(report, 'heaptrack');
      const rss = report.metrics.find((metric) => metric.name === 'proc.rss');
      const judged = judgeSites({
        cycles: report.cycles,
        sites: sites.scenarios[k] ?? [],
        thresholdPerOp: rss?.thresholdPerOp ?? report.thresholds['proc.rss'] ?? 0,
        opsPerSecond: report.opsPerSecond,
        rssBytesPerOp: rss?.bytesPerOp ?? null,
      });
      const stripped = judged.sites.some((site) =>
        site.frames.slice(0, 4).some((frame) => frame.startsWith('0x') || !frame.includes(':')),
      );
      const notes = [INSTRUMENTED_NOTE];
      if (!sites.reachedAll) notes.unshift('the trace ended before the last floors (the broker stopped early?)');
      return {
        ...report,
        attribution: {
          ...base,
          note: notes.join('; '),
          explainedShare: judged.explainedShare,
          sitesJudged: judged.sitesJudged,
          sites: judged.sites,
          hints: stripped ? [DEBUG_HINT] : [],
          traceBytes: trace.bytes,
        },
      };
    });
  } catch (error) {
    return failed(errorMessage(error));
  } finally {
    await session.dispose();
  }
}
