import { lowFloor } from '../analysis/index.js';
import { targetError } from '../core/errors.js';
import type { PatternRun } from '../patterns/pattern.js';
import type { AgentFleet } from '../load/remote/agent-fleet.js';
import { AgentLostError } from '../load/remote/agent-connection.js';
import type { Credentials } from '../core/credentials.js';
import type { Params } from '../core/params.js';
import { emptyProtocolFacts, mergeProtocolFacts } from '../patterns/shared/protocol-facts.js';
import type { CycleReport, PhaseName, PhaseReport } from '../core/report-model.js';
import type { ScenarioRecording } from '../core/recording.js';
export type { ScenarioRecording } from '../core/recording.js';
import { METRICS, type MetricInfo, type MetricValues } from '../core/metrics.js';
import type { Sampler } from '../sample/sampler.js';
import type { SampleStore } from '../core/sample-store.js';
import type { Scenario } from '../scenario/load-scenario.js';
import type { Target } from '../target/target.js';
import { estimateScenarioMs } from './plan/estimate.js';
import type { RunObserver } from './observer.js';
import { sleep } from '../core/sleep.js';

/**
 * The first part of each settle window lets closing connections finish and the broker free them;
 * the floor is read over the rest. Half and half keeps enough samples in the floor window (≥ 5 at the
 * default 100 ms interval and the quick 1.2 s settle) while giving the broker the other half to settle.
 */
const FLOOR_WINDOW_SHARE = 0.5;
/** A cycle where at least this share of operations failed means the broker refused the load (exit 3). */
const TARGET_REFUSED_SHARE = 0.5;

export interface ScenarioRunContext {
  scenario: Scenario;
  target: Target;
  sampler: Sampler;
  signal: AbortSignal;
  runToken: string;
  /** ms since the run started. */
  clock: () => number;
  observer: RunObserver;
  credentials?: Credentials;
  /** `--source-ip` addresses for the patterns' connections. */
  sourceIps?: readonly string[];
  /** mqleak's own processes (self-check): floors read over the same windows as the broker's. */
  selfSampler?: Sampler;
  /** Collects mqleak's own garbage before each floor window; false when it could not. */
  selfGc?: () => boolean;
  /** `--agents N`: the pattern's load runs on these remote agents. */
  agents?: AgentFleet;
}

function num(params: Params, name: string): number {
  return params[name] as number;
}

/** Floors of every metric over the samples taken in [fromMs, toMs]. */
export function floorsBetween(
  store: SampleStore,
  fromMs: number,
  toMs: number,
  metrics: readonly MetricInfo[] = METRICS,
): MetricValues {
  const window = store.between(fromMs, toMs);
  const floors: MetricValues = {};
  for (const metric of metrics) {
    if (metric.kind === 'rate') continue;
    const values = window
      .map((sample) => sample.values[metric.name])
      .filter((value): value is number => value !== undefined);
    const floor = lowFloor(values);
    if (floor !== null) floors[metric.name] = floor;
  }
  return floors;
}

/** Runs one scenario's phases against the target: baseline → warm-up → measured cycles → recovery. */
export async function recordScenario(
  context: ScenarioRunContext,
  index: number,
  total: number,
): Promise<ScenarioRecording> {
  const { scenario, target, sampler, signal, clock, observer } = context;
  const params = scenario.params;
  const recording: ScenarioRecording = {
    startMs: clock(),
    endMs: 0,
    phases: [],
    cycles: [],
    baselineFloors: {},
    recoveryFloors: {},
    failureKinds: {},
    facts: emptyProtocolFacts(),
    error: null,
    selfBaselineFloors: {},
    selfRecoveryFloors: {},
  };
  const deadlineEstimate = recording.startMs + estimateScenarioMs(params, scenario.pattern);
  observer.scenarioStart?.(scenario.name, index, total, estimateScenarioMs(params, scenario.pattern));

  const phase = async <T>(name: PhaseName, body: () => Promise<T>): Promise<T> => {
    const current: PhaseReport = { name, startMs: clock(), endMs: clock() };
    recording.phases.push(current);
    try {
      return await body();
    } finally {
      current.endMs = clock();
    }
  };
  const checkTarget = (): void => {
    const gone = sampler.failed ?? null;
    const exit = target.exitReason();
    if (gone !== null || exit !== null) {
      throw targetError(
        `the broker process ${gone !== null ? `(${gone.message})` : `(pid ${target.pid}) ${exit}`} during ${scenario.name}`,
        target.outputTail().length > 0
          ? `its last output: ${target.outputTail().slice(-2).join(' | ')}`
          : "check the broker's own logs",
      );
    }
  };
  /** Idles for `ms`: a GC (where the target allows) after the settling part, then the floor window. */
  const settle = async (
    ms: number,
  ): Promise<{ floors: MetricValues; gcForced: boolean; selfFloors: MetricValues; selfGcForced: boolean }> => {
    const floorWindowMs = ms * FLOOR_WINDOW_SHARE;
    await sleep(ms - floorWindowMs, signal);
    const gcForced = target.canForceGc && !signal.aborted ? await target.forceGc() : false;
    const selfGcForced = context.selfGc !== undefined && !signal.aborted ? context.selfGc() : false;
    const fromMs = clock();
    await sleep(floorWindowMs, signal);
    await sampler.sampleNow();
    await context.selfSampler?.sampleNow();
    const toMs = clock();
    const selfFloors =
      context.selfSampler === undefined
        ? {}
        : floorsBetween(context.selfSampler.store, fromMs, toMs, context.selfSampler.metrics);
    return { floors: floorsBetween(sampler.store, fromMs, toMs, sampler.metrics), gcForced, selfFloors, selfGcForced };
  };

  let run: PatternRun | null = null;
  try {
    await phase('baseline', async () => {
      observer.phase?.('baseline', `idle ${num(params, 'baselineSeconds')} s`);
      const baseline = await settle(num(params, 'baselineSeconds') * 1000);
      recording.baselineFloors = baseline.floors;
      recording.selfBaselineFloors = baseline.selfFloors;
    });
    checkTarget();
    run = await scenario.pattern.start({
      broker: target.address,
      targetPid: target.pid,
      params,
      signal,
      runToken: context.runToken,
      credentials: context.credentials,
      sourceIps: context.sourceIps,
      ...(context.agents === undefined ? {} : { agents: context.agents }),
      notice: (message) => observer.notice?.(message),
    });
    const warmupCycles = num(params, 'warmupCycles');
    const totalCycles = warmupCycles + num(params, 'cycles');
    let cumulativeOps = 0;
    for (let cycle = 0; cycle < totalCycles && !signal.aborted; cycle++) {
      const warmup = cycle < warmupCycles;
      const name: PhaseName = warmup ? 'warmup' : 'measured';
      const last = recording.phases.at(-1);
      const record = async (): Promise<void> => {
        observer.phase?.(name, `cycle ${cycle + 1}/${totalCycles}`);
        const startMs = clock();
        const outcome = await (run as PatternRun)
          .runCycle({
            index: cycle,
            operations: num(params, 'operationsPerCycle'),
            concurrency: num(params, 'concurrency'),
            deadlineMs: Date.now() + num(params, 'cycleTimeoutSeconds') * 1000,
          })
          .catch((error: unknown) => {
            // An agent lost mid-cycle: the cycle is kept, marked, with no floor (its count misses the agent's share).
            if (error instanceof AgentLostError) {
              recording.cycles.push({
                index: cycle,
                warmup,
                startMs,
                loadEndMs: clock(),
                endMs: clock(),
                operations: 0,
                cumulativeOps,
                failures: 0,
                failureKinds: {},
                gcForced: false,
                floors: {},
                lostAgent: error.agent,
              });
            }
            throw error;
          });
        const loadEndMs = clock();
        cumulativeOps += outcome.operations;
        for (const [kind, count] of Object.entries(outcome.failureKinds))
          recording.failureKinds[kind] = (recording.failureKinds[kind] ?? 0) + count;
        mergeProtocolFacts(recording.facts, outcome);
        checkTarget();
        if (outcome.operations > 0 && outcome.failures >= outcome.operations * TARGET_REFUSED_SHARE) {
          const [topKind] = Object.entries(outcome.failureKinds).sort((a, b) => b[1] - a[1]);
          throw targetError(
            `the broker refused the load: ${outcome.failures} of ${outcome.operations} operations failed in cycle ${cycle + 1}${topKind === undefined ? '' : ` (mostly ${topKind[0]})`}`,
            'check the broker is healthy and accepts this many connections (limits, authentication), or lower --set concurrency',
          );
        }
        const { floors, gcForced, selfFloors, selfGcForced } = await settle(num(params, 'settleSeconds') * 1000);
        const report: CycleReport = {
          index: cycle,
          warmup,
          startMs,
          loadEndMs,
          endMs: clock(),
          operations: outcome.operations,
          cumulativeOps,
          failures: outcome.failures,
          failureKinds: outcome.failureKinds,
          gcForced,
          floors,
          ...(outcome.bridge === undefined ? {} : { bridge: outcome.bridge }),
          ...(outcome.variant === undefined ? {} : { variant: outcome.variant }),
          ...(context.selfSampler === undefined ? {} : { selfFloors, selfGcForced }),
        };
        recording.cycles.push(report);
        const loadSeconds = Math.max(1e-3, (loadEndMs - startMs) / 1000);
        observer.cycleDone?.({
          scenario: scenario.name,
          index: cycle,
          total: totalCycles,
          warmup,
          operations: outcome.operations,
          failures: outcome.failures,
          opsPerSecond: outcome.operations / loadSeconds,
          floors,
          remainingMs: Math.max(0, deadlineEstimate - clock()),
          cumulativeOps,
        });
      };
      // Consecutive cycles of the same kind share one phase entry.
      if (last?.name === name) {
        await record();
        last.endMs = clock();
      } else {
        await phase(name, record);
      }
    }
    await phase('recovery', async () => {
      observer.phase?.('recovery', `everything disconnected, idle ${num(params, 'recoverySeconds')} s`);
      await run?.teardown();
      run = null;
      const recovered = await settle(num(params, 'recoverySeconds') * 1000);
      recording.recoveryFloors = recovered.floors;
      recording.selfRecoveryFloors = recovered.selfFloors;
    });
    checkTarget();
  } catch (error) {
    // A lost agent ends the scenario's load but not the run: the scenario is judged INCONCLUSIVE (agent-lost).
    if (!(error instanceof AgentLostError)) recording.error = error;
    else observer.notice?.(`${error.message}: ${scenario.name} ends here, INCONCLUSIVE`);
    await Promise.resolve(run?.teardown()).catch(() => undefined);
  }
  recording.endMs = clock();
  return recording;
}
