import {
  combineVerdicts,
  defaultThresholdPerOp,
  formatBytes,
  type DataIssue,
  type Verdict,
} from '../../analysis/index.js';
import type { CycleReport, MetricReport, SampleReport, ScenarioReport } from '../../core/report-model.js';
import type { MetricInfo, Sample } from '../../core/metrics.js';
import { Sampler } from '../../sample/sampler.js';
import { SELF_LIVE_HEAP_METRIC, SelfProbe, branchToTarget } from '../../sample/self-probe.js';
import type { Scenario } from '../../scenario/load-scenario.js';
import { judgeScenario } from '../../verdict/judge-scenario.js';
import type { ScenarioRecording } from '../run-scenario.js';
import { forceSelfGc } from './self-gc.js';

// The self-check: mqleak's own memory and counts, read over the same windows as the broker's and
// judged by the same machinery (floors against cumulative operations, the same δ, warm-up, recovery),
// so a report shows the generator did not leak. It never changes the run's verdict or exit code: the
// broker's figures come from the broker's own /proc entries, which a growing generator heap does not
// touch; what would distort them (a generator starved of CPU) already shows as the late-samples issue.

export interface SelfCheck {
  sampler: Sampler;
  probe: SelfProbe;
  /** The broker's branch of mqleak's process tree, left out of the sums. */
  excludedPids: number[];
  gc: () => boolean;
}

/**
 * Starts sampling mqleak's own processes next to the broker's sampler, at the same interval.
 * `others`: the samplers whose stores count in node.sampleStore besides the self sampler's own.
 */
export async function startSelfCheck(
  targetPid: number | null,
  intervalMs: number,
  clock: () => number,
  others: readonly Sampler[] = [],
): Promise<SelfCheck> {
  // No broker process (a `no-process` target): no branch of mqleak's tree to leave out.
  const excluded = targetPid === null ? new Set<number>() : await branchToTarget(process.pid, targetPid);
  const probe = new SelfProbe(process.pid, excluded);
  const sampler = new Sampler(probe, intervalMs, clock);
  probe.sampleStoreBytes = () => [sampler, ...others].reduce((sum, kept) => sum + kept.store.bytes, 0);
  sampler.start();
  const gc = (): boolean => {
    const collected = forceSelfGc();
    if (collected) probe.notePostGc();
    return collected;
  };
  return { sampler, probe, excludedPids: [...excluded].sort((a, b) => a - b), gc };
}

export interface SelfJudgement {
  selfVerdict: Verdict;
  selfMetrics: MetricReport[];
  selfIssues: DataIssue[];
  selfSamples: SampleReport[];
  /** The judged self floors per cycle (post-GC troughs where the judge chose them), for `cycles[].selfFloors`. */
  selfFloors: CycleReport['floors'][];
}

/** The recording as the self series sees it: mqleak's own floors in place of the broker's. */
function selfRecording(recording: ScenarioRecording): ScenarioRecording {
  return {
    ...recording,
    cycles: recording.cycles.map((cycle) => ({
      ...cycle,
      floors: cycle.selfFloors ?? {},
      gcForced: cycle.selfGcForced ?? false,
    })),
    baselineFloors: recording.selfBaselineFloors ?? {},
    recoveryFloors: recording.selfRecoveryFloors ?? {},
  };
}

/** Issue texts written for the broker, reworded for mqleak's own series. */
function selfIssue(issue: DataIssue): DataIssue {
  return { ...issue, detail: issue.detail.replace(/the broker's/g, "mqleak's") };
}

/**
 * Judges mqleak's own series for one scenario; null when no self sampler ran (no self floors).
 * `recordedPerOp`: what the samples mqleak keeps for the report add to its live heap per operation
 * (recorded-bytes.ts); node.liveHeap's δ is raised by that much, so they are not taken for a leak.
 */
export function judgeSelf(
  scenario: Scenario,
  recording: ScenarioRecording,
  selfSamples: readonly Sample[],
  metrics: readonly MetricInfo[],
  recordedPerOp = 0,
): SelfJudgement | null {
  if (!recording.cycles.some((cycle) => cycle.selfFloors !== undefined)) return null;
  const own = selfSamples.filter((sample) => sample.t >= recording.startMs && sample.t <= recording.endMs);
  const thresholds = scenario.thresholds as Partial<Record<string, number>>;
  const heapDelta =
    (thresholds[SELF_LIVE_HEAP_METRIC.name] ?? defaultThresholdPerOp(SELF_LIVE_HEAP_METRIC.name, 'bytes')) +
    recordedPerOp;
  const selfScenario = {
    ...scenario,
    thresholds: { ...scenario.thresholds, [SELF_LIVE_HEAP_METRIC.name]: heapDelta },
  } as Scenario;
  const judgement = judgeScenario(selfScenario, selfRecording(recording), own, metrics);
  const note =
    ` Its threshold includes ${formatBytes(recordedPerOp)} per operation for the samples ` +
    `mqleak keeps for this report.`;
  return {
    selfVerdict: judgement.verdict === 'error' ? 'inconclusive' : judgement.verdict,
    selfMetrics: judgement.metrics.map((metric) =>
      metric.name === SELF_LIVE_HEAP_METRIC.name && recordedPerOp > 0
        ? { ...metric, reason: metric.reason + note }
        : metric,
    ),
    selfIssues: judgement.issues.map(selfIssue),
    selfSamples: own.map((sample) => ({ t: sample.t, lateMs: sample.lateMs, ...sample.values })),
    selfFloors: judgement.cycles.map((cycle) => cycle.floors),
  };
}

/** The scenario report's self fields, and its cycles with the judged self floors. */
export function withSelfJudgement(report: ScenarioReport, judgement: SelfJudgement | null): ScenarioReport {
  if (judgement === null) return report;
  return {
    ...report,
    cycles: report.cycles.map((cycle, k) => ({
      ...cycle,
      selfFloors: judgement.selfFloors[k] ?? cycle.selfFloors ?? {},
    })),
    selfVerdict: judgement.selfVerdict,
    selfMetrics: judgement.selfMetrics,
    selfIssues: judgement.selfIssues,
    selfSamples: judgement.selfSamples,
  };
}

/** The run's self verdict: LEAK if any scenario's is, as for the broker; undefined when no scenario has one. */
export function selfRunVerdict(scenarios: readonly ScenarioReport[]): Verdict | undefined {
  const verdicts = scenarios
    .map((scenario) => scenario.selfVerdict)
    .filter((verdict): verdict is Verdict => verdict !== undefined);
  if (verdicts.length === 0) return undefined;
  return combineVerdicts(verdicts);
}
