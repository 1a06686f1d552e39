import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, usageError } from '../core/errors.js';
import type { AttributionReport, AttributionTool, ScenarioReport } from '../core/report-model.js';
import { HeaptrackSession } from '../attribute/heaptrack-session.js';
import { findHeaptrack } from '../attribute/heaptrack-tools.js';
import { nativeSites, type ScenarioFloorTimes } from '../attribute/native-sites.js';
import { INSPECT_ASSIGNMENT, InspectorSnapshots, inspectorPort } from '../attribute/inspector-snapshot.js';
import { NodeHeapSession } from '../attribute/node-heap-session.js';
import { ClassHistogramSession } from '../attribute/class-histogram-session.js';
import { findJcmd, JCMD_HINT, runJcmd } from '../target/jvm-target.js';
import type { TargetOptions } from '../target/resolve-target.js';
import type { Target } from '../target/target.js';
import { heapSlope, judgeSites, type SiteSeries } from '../verdict/judge-attribution.js';
import { jvmAttribution } from './jvm-attribution.js';

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
    'heap snapshots need the inspector, which only a broker mqleak starts gets (--spawn "node ..." or the ' +
    "embedded broker): run it that way, or feed the heap's size instead, e.g. --probe cmd:'...' reading " +
    "process.memoryUsage() over the broker's own admin endpoint",
  jvm:
    `the class histograms need jcmd, which is not on the PATH: ${JCMD_HINT}; the heap after GC is judged ` +
    "anyway (jvm.heapUsed, from the JVM's perf counters), or feed it with --probe cmd:'jcmd {pid} GC.heap_info'",
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
  /** How the tool gets into the broker: heaptrack (native), heap snapshots (node: spawn or embedded), jcmd (jvm). */
  via: 'spawn' | 'attach' | 'embedded' | null;
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
  if (runtime === 'node')
    return { runtime, via: target.spawn !== undefined ? 'spawn' : via === null ? 'embedded' : null };
  // jcmd attaches by PID to any JVM of the same user: a spawned broker and a --pid alike. Without it, a note.
  if (runtime === 'jvm') return { runtime, via: (await findJcmd()) === null ? null : via };
  return { runtime, via: runtime === 'native' ? via : null };
}

/** A started attribution: heaptrack tracing the broker, or the note saying why nothing is collected. */
export interface ActiveAttribution {
  session: HeaptrackSession | null;
  /** V8 heap snapshots at the floors (Node brokers). */
  heap?: NodeHeapSession | null;
  /** Class histograms at the floors (JVM brokers). */
  classes?: ClassHistogramSession | null;
  tool: AttributionTool;
  /** Why nothing is collected (other runtimes), or what failed on the way. */
  note: string | null;
}

/** Before the target starts: opens heaptrack's FIFO for a spawned native broker and says how to preload it. */
export async function beginAttribution(
  plan: AttributionPlan,
  target: TargetOptions,
): Promise<{ active: ActiveAttribution; target: TargetOptions }> {
  if (plan.runtime === 'node' && plan.via !== null) {
    const active: ActiveAttribution = { session: null, heap: null, tool: 'v8-heap-snapshot', note: null };
    if (plan.via === 'embedded') return { active, target };
    const assignments = [target.spawnAssignments, INSPECT_ASSIGNMENT].filter((word) => word !== undefined).join(' ');
    return { active, target: { ...target, spawnAssignments: assignments } };
  }
  if (plan.runtime === 'jvm' && plan.via !== null)
    return { active: { session: null, classes: null, tool: 'jcmd-class-histogram', note: null }, target };
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
  if (active.tool === 'v8-heap-snapshot') {
    active.heap = await openHeapSession(plan, target).catch((error: unknown) => {
      active.note = errorMessage(error);
      return null;
    });
    return;
  }
  if (active.tool === 'jcmd-class-histogram') {
    await openClassHistograms(active, target.pid);
    return;
  }
  const session = active.session;
  if (session === null) return;
  if (plan.via === 'spawn') {
    session.originMs = spawnedAtMs;
    return;
  }
  if (target.pid === null) throw usageError('--attribute: the broker has no process to attach heaptrack to');
  const exe = await readlink(`/proc/${target.pid}/exe`).catch(() => '');
  const runtime = runtimeOfProgram(exe);
  if (runtime === 'jvm' && (await findJcmd()) !== null) {
    // Found by its port, it is a JVM after all: class histograms instead of heaptrack.
    active.session = null;
    active.tool = 'jcmd-class-histogram';
    await session.dispose();
    await openClassHistograms(active, target.pid);
    return;
  }
  if (runtime !== 'native') {
    active.session = null;
    active.tool = 'none';
    active.note = `attribution is not available for this ${runtime} broker: ${PROBE_INSTEAD[runtime]}`;
    await session.dispose();
    return;
  }
  await session.attach(target.pid, clock);
}

/** Class histograms of the JVM with this PID through jcmd; a missing one becomes the note. */
async function openClassHistograms(active: ActiveAttribution, pid: number | null): Promise<void> {
  const jcmd = await findJcmd();
  if (pid === null || jcmd === null) {
    active.note = pid === null ? 'the broker has no process for jcmd' : `jcmd is not on the PATH: ${JCMD_HINT}`;
    return;
  }
  active.classes = new ClassHistogramSession(() => runJcmd(jcmd, pid, ['GC.class_histogram']));
}

/** Heap snapshots of a Node broker: over the embedded broker's IPC channel, or the spawned broker's inspector. */
async function openHeapSession(plan: AttributionPlan, target: Target): Promise<NodeHeapSession> {
  const viaIpc = target.heapSnapshot?.bind(target);
  if (plan.via === 'embedded' && viaIpc !== undefined) return NodeHeapSession.open(viaIpc);
  const inspector = await InspectorSnapshots.connect(await inspectorPort(() => target.outputTail()));
  return NodeHeapSession.open(
    (file) => inspector.takeTo(file),
    () => inspector.close(),
  );
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

/** Plain runs' RSS slopes by scenario name (the automatic rerun after a LEAK); absent: an explicit --attribute. */
export type PlainRssSlopes = ReadonlyMap<string, number> | undefined;

/**
 * The RSS slope the sites are compared with: the plain run's when one was measured (the tool's own memory, e.g. the
 * ids a V8 heap snapshot keeps per live object and the snapshot's scratch that malloc keeps, grows the instrumented
 * RSS: docs/attribution.md), else the instrumented run's.
 */
function rssReference(report: ScenarioReport, plain: PlainRssSlopes): { reference: number | null; own: number | null } {
  const own = report.metrics.find((metric) => metric.name === 'proc.rss')?.bytesPerOp ?? null;
  return { reference: plain?.get(report.name) ?? own, own };
}

function baseReport(report: ScenarioReport, tool: AttributionTool, plain?: PlainRssSlopes): AttributionReport {
  const { reference, own } = rssReference(report, plain);
  return {
    tool,
    status: 'ok',
    note: '',
    verdictOfRecord: tool === 'none' ? 'plain' : 'instrumented',
    opsPerSecond: { instrumented: tool === 'none' ? null : report.opsPerSecond, plain: null },
    rssBytesPerOp: reference,
    ...(plain?.has(report.name) === true ? { instrumentedRssBytesPerOp: own } : {}),
    explainedShare: null,
    sitesJudged: 0,
    sites: [],
    hints: [],
  };
}

const SNAPSHOT_NOTE =
  'only an instrumented run exists: this verdict was measured on a broker that wrote a V8 heap snapshot at every ' +
  'floor (each one stops it and collects its garbage); for the verdict of record run the same scenario again ' +
  'without --attribute';

/** Everything the snapshots hold at each floor: the sum over constructors (V8 heap plus backing stores). */
function wholeHeap(sites: readonly SiteSeries[]): SiteSeries {
  const sum = (pick: (site: SiteSeries) => number | null): number | null =>
    sites.some((site) => pick(site) === null) ? null : sites.reduce((total, site) => total + (pick(site) ?? 0), 0);
  const floors = (sites[0]?.floors ?? []).map((_, k) =>
    sites.reduce((total, site) => total + (site.floors[k] ?? 0), 0),
  );
  return {
    key: '(heap)',
    label: '(heap)',
    frames: [],
    symbolized: true,
    floors,
    baseline: sum((site) => site.baseline),
    recovery: sum((site) => site.recovery),
  };
}

/** Judges each constructor's bytes at the floors like RSS, then finds a retainer path for the ones reported. */
async function nodeAttribution(
  heap: NodeHeapSession,
  reports: readonly ScenarioReport[],
  plain: PlainRssSlopes,
): Promise<ScenarioReport[]> {
  const out: ScenarioReport[] = [];
  for (const [k, report] of reports.entries()) {
    const base = baseReport(report, 'v8-heap-snapshot', plain);
    const indexes = report.cycles.map((cycle) => cycle.index);
    // Warm-up cycles have no snapshot (their floors are not judged): their bytes read 0 in the series.
    const measured = report.cycles.filter((cycle) => !cycle.warmup).map((cycle) => cycle.index);
    if (heap.failure !== null || !heap.complete(k, measured)) {
      const why = heap.failure ?? 'no heap snapshot at some floors of this scenario (a soak, or an aborted run?)';
      out.push({
        ...report,
        attribution: {
          ...base,
          status: 'failed',
          note: `attribution failed: ${why}; the verdict stands. ${SNAPSHOT_NOTE}`,
        },
      });
      continue;
    }
    const rss = report.metrics.find((metric) => metric.name === 'proc.rss');
    const series = heap.series(k, indexes);
    const counts = new Map(series.map((entry) => [entry.name, entry.counts]));
    const sites: SiteSeries[] = series.map((entry) => ({
      key: entry.name,
      label: entry.name,
      frames: [],
      symbolized: true,
      floors: entry.bytes,
      baseline: entry.baselineBytes,
      recovery: entry.recoveryBytes,
    }));
    const input = {
      cycles: report.cycles,
      sites,
      thresholdPerOp: rss?.thresholdPerOp ?? report.thresholds['proc.rss'] ?? 0,
      opsPerSecond: report.opsPerSecond,
      rssBytesPerOp: base.rssBytesPerOp,
    };
    const judged = judgeSites(input);
    const heapBytesPerOp = heapSlope(input, wholeHeap(sites));
    const paths = await heap.retainers(
      k,
      judged.sites.map((site) => site.label),
    );
    out.push({
      ...report,
      attribution: {
        ...base,
        note: SNAPSHOT_NOTE,
        explainedShare: judged.explainedShare,
        heapBytesPerOp,
        sitesJudged: judged.sitesJudged,
        sites: judged.sites.map((site) => ({
          ...site,
          frames: paths.get(site.label) ?? [],
          liveCount: counts.get(site.label)?.at(-1) ?? 0,
        })),
        snapshots: heap.snapshots,
        traceBytes: heap.snapshotBytes,
      },
    });
  }
  return out;
}

/** After the target stopped: reads the trace and adds each scenario's `attribution`; failures become notes. */
export async function finishAttribution(
  active: ActiveAttribution,
  reports: readonly ScenarioReport[],
  plain?: PlainRssSlopes,
): Promise<ScenarioReport[]> {
  if (active.tool === 'v8-heap-snapshot') {
    const heap = active.heap ?? null;
    if (heap === null) {
      const note = `attribution failed: ${active.note ?? 'no heap snapshot taken'}; the verdict stands`;
      return reports.map((report) => ({
        ...report,
        attribution: { ...baseReport(report, active.tool), status: 'failed', note },
      }));
    }
    try {
      return await nodeAttribution(heap, reports, plain);
    } catch (error) {
      const note = `attribution failed: ${errorMessage(error)}; the verdict stands. ${SNAPSHOT_NOTE}`;
      return reports.map((report) => ({
        ...report,
        attribution: { ...baseReport(report, active.tool), status: 'failed', note },
      }));
    } finally {
      await heap.dispose();
    }
  }
  if (active.tool === 'jcmd-class-histogram') {
    const classes = active.classes ?? null;
    if (classes !== null) return jvmAttribution(classes, reports, (report) => baseReport(report, active.tool));
    const note = `attribution failed: ${active.note ?? 'no class histogram taken'}; the verdict stands`;
    return reports.map((report) => ({
      ...report,
      attribution: { ...baseReport(report, active.tool), status: 'failed', note },
    }));
  }
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
      const base = baseReport(report, 'heaptrack', plain);
      const rss = report.metrics.find((metric) => metric.name === 'proc.rss');
      const judged = judgeSites({
        cycles: report.cycles,
        sites: sites.scenarios[k] ?? [],
        thresholdPerOp: rss?.thresholdPerOp ?? report.thresholds['proc.rss'] ?? 0,
        opsPerSecond: report.opsPerSecond,
        rssBytesPerOp: base.rssBytesPerOp,
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
