import { errorMessage } from '../core/errors.js';
import type { AttributionReport, RunReport, ScenarioReport } from '../core/report-model.js';
import { loadScenario, type Scenario } from '../scenario/load-scenario.js';
import { type AttributionPlan, planAttribution } from './attribution.js';
import type { PreparedRun } from './run.js';

// After a plain run found a LEAK, attribution runs by itself (unless `--no-attribute`): the leaking scenarios
// again, each narrowed to its case when narrowing wrote one, with the broker instrumented. The plain run stays the
// verdict of record; the instrumented run only adds where the growth is, and its own rate next to the plain one.

/**
 * Where a second run can instrument the broker on its own: heaptrack preloaded into a broker mqleak starts, or heap
 * snapshots of a Node broker mqleak starts, and class histograms of any JVM broker (jcmd attaches by PID without
 * ptrace). Attaching heaptrack to a `--pid` (gdb, ptrace) is left to an explicit --attribute.
 */
export async function autoAttributionPlan(prepared: PreparedRun): Promise<AttributionPlan | null> {
  const plan = await planAttribution(prepared.options.target, true).catch(() => null);
  if (plan === null) return null;
  if (plan.runtime === 'native' && plan.via === 'spawn') return plan;
  if (plan.runtime === 'node' && plan.via !== null) return plan;
  if (plan.runtime === 'jvm' && plan.via !== null) return plan;
  return null;
}

/** The scenario the rerun measures: the narrowed case's repro file when narrowing wrote one, else the scenario. */
async function rerunScenario(prepared: PreparedRun, report: ScenarioReport): Promise<Scenario | null> {
  const original = prepared.scenarios.find((scenario) => scenario.name === report.name) ?? null;
  const repro = report.narrowing?.reproFile ?? null;
  if (repro === null) return original;
  return loadScenario(repro, prepared.options.quick).catch(() => original);
}

function rerunNote(rerun: ScenarioReport, narrowed: boolean, soak: boolean): string {
  // The metric the sites were compared with: RSS, or a JVM's heap after GC (read in the rerun itself: a class
  // histogram holds no tool memory of its own in that heap).
  const name = rerun.attribution?.referenceMetric ?? 'proc.rss';
  const label = name === 'proc.rss' ? 'RSS' : name;
  const reference = rerun.metrics.find((metric) => metric.name === name);
  const slope =
    reference?.bytesPerOp == null ? `no ${label} slope` : `${label} ${reference.bytesPerOp.toFixed(1)} B/op`;
  const compared =
    name !== 'proc.rss'
      ? `the shares are of that run's ${label} slope`
      : narrowed
        ? "the shares are of that run's RSS slope (the narrowed case is not the plain scenario)"
        : "the shares are of the plain run's RSS slope (the instrumented one also holds the tool's own memory)";
  return (
    `measured by itself after the plain run's LEAK, in a second run with the broker instrumented` +
    `${narrowed ? ` on the narrowed case (${rerun.name})` : ''}` +
    `${soak ? ' in cycles (a soak has no floors to take the heap at)' : ''}: that run read ${slope}, ` +
    `${rerun.verdict.toUpperCase()}; ${compared}; ` +
    'the verdict of record is the plain run above (--no-attribute skips this second run)'
  );
}

/** The plain run's RSS slope per leaking scenario rerun as it was (a narrowed case measures something else). */
function plainSlopes(
  report: RunReport,
  reruns: ReadonlyArray<{ name: string; narrowed: boolean }>,
): Map<string, number> {
  const slopes = new Map<string, number>();
  for (const rerun of reruns) {
    if (rerun.narrowed) continue;
    const plain = report.scenarios.find((scenario) => scenario.name === rerun.name);
    const rss = plain?.metrics.find((metric) => metric.name === 'proc.rss')?.bytesPerOp ?? null;
    // A soak's slope is judged over windows, the rerun's over cycles: both per operation, the same broker and load.
    if (rss !== null && rss > 0) slopes.set(rerun.name, rss);
  }
  return slopes;
}

/**
 * Runs the leaking scenarios again with attribution and puts each one's `attribution` into the plain report;
 * the verdict, the exit code and the metrics stay the plain run's. A failing rerun becomes a note.
 */
export async function autoAttribute(
  prepared: PreparedRun,
  report: RunReport,
  execute: (run: PreparedRun) => Promise<RunReport>,
): Promise<RunReport> {
  if (prepared.options.autoAttribute !== true || prepared.attribution !== undefined) return report;
  if (report.error !== null || report.interruptedBy !== undefined) return report;
  const leaking = report.scenarios.filter((scenario) => scenario.verdict === 'leak');
  if (leaking.length === 0) return report;
  const plan = await autoAttributionPlan(prepared);
  if (plan === null) return report;
  const reruns: Array<{ name: string; scenario: Scenario; narrowed: boolean }> = [];
  for (const scenario of leaking) {
    const rerun = await rerunScenario(prepared, scenario);
    if (rerun !== null)
      reruns.push({ name: scenario.name, scenario: rerun, narrowed: scenario.narrowing?.reproFile != null });
  }
  if (reruns.length === 0) return report;
  prepared.options.observer?.notice?.(
    `attribution: ${reruns.map((rerun) => rerun.scenario.name).join(', ')} again with the broker instrumented, ` +
      'to find where it grows (--no-attribute skips this)',
  );
  let instrumented: RunReport | null = null;
  let failure: string | null = null;
  try {
    instrumented = await execute({
      options: {
        ...prepared.options,
        attribute: true,
        autoAttribute: false,
        narrow: undefined,
        budget: undefined,
        // Attribution reads the heap at cycle floors: a soak's LEAK is attributed in cycles.
        soakMs: undefined,
      },
      scenarios: reruns.map((rerun) => rerun.scenario),
      attribution: plan,
      plainRssBytesPerOp: plainSlopes(report, reruns),
    });
    if (instrumented.error !== null) failure = instrumented.error.message;
  } catch (error) {
    failure = errorMessage(error);
  }
  const scenarios = report.scenarios.map((plain): ScenarioReport => {
    const at = reruns.findIndex((rerun) => rerun.name === plain.name);
    if (at === -1) return plain;
    const rerun = instrumented?.scenarios[at];
    const found = rerun?.attribution;
    if (rerun === undefined || found === undefined) {
      const attribution: AttributionReport = {
        tool:
          plan.runtime === 'native'
            ? 'heaptrack'
            : plan.runtime === 'jvm'
              ? 'jcmd-class-histogram'
              : 'v8-heap-snapshot',
        status: 'failed',
        note: `attribution failed: the instrumented rerun ${failure ?? 'measured nothing'}; the verdict stands`,
        verdictOfRecord: 'plain',
        opsPerSecond: { instrumented: null, plain: plain.opsPerSecond },
        rssBytesPerOp: null,
        explainedShare: null,
        sitesJudged: 0,
        sites: [],
        hints: [],
      };
      return { ...plain, attribution };
    }
    const soak = prepared.options.soakMs !== undefined;
    const failedNote = found.status === 'ok' ? '' : `; ${found.note}`;
    const note = `${rerunNote(rerun, reruns[at]?.narrowed === true, soak)}${failedNote}`;
    return {
      ...plain,
      attribution: {
        ...found,
        note,
        verdictOfRecord: 'plain',
        opsPerSecond: { instrumented: rerun.opsPerSecond, plain: plain.opsPerSecond },
        rerun: { scenario: rerun.name, verdict: rerun.verdict, wallMs: rerun.endMs - rerun.startMs },
      },
    };
  });
  return { ...report, scenarios };
}
