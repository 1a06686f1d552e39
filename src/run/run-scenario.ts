import { numberParam } from '../core/params.js';
import type { PatternRun } from '../patterns/pattern.js';
import type { ScenarioAgents } from './agents/scenario-agents.js';
import type { PatternContext } from '../patterns/pattern.js';
import { AgentLostError } from '../load/remote/agent-connection.js';
import type { Credentials } from '../core/credentials.js';
import { mergeProtocolFacts } from '../patterns/shared/protocol-facts.js';
import type { CycleReport, PhaseName, PhaseReport } from '../core/report-model.js';
import type { ScenarioRecording, StopReason } from '../core/recording.js';
export type { ScenarioRecording } from '../core/recording.js';
import type { Sampler } from '../sample/sampler.js';
import type { Scenario } from '../scenario/load-scenario.js';
import type { Target } from '../target/target.js';
import { estimateScenarioMs } from './plan/estimate.js';
import type { RunObserver } from './observer.js';
import { lookAt, scenarioAlpha, sequentialPlan } from '../analysis/sequential.js';
import { judgeLook, type LookDecision } from '../verdict/stopping-rule.js';
import { checkTarget, emptyRecording, idleFloors, refusedLoad, refusedLoadError, type IdleWindow } from './phases.js';

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
  /**
   * `--agents N`: the pattern's load runs on these remote agents (on their worker fleets, or each running a share of
   * every cycle: `splitsCycles`).
   */
  agents?: ScenarioAgents;
  /**
   * `--attribute` on a Node broker: called once each floor is read (a heap snapshot there); never throws. `warmup`:
   * a warm-up cycle's floor, which the engine does not judge.
   */
  afterFloor?: (phase: 'baseline' | 'cycle' | 'recovery', cycle: number | null, warmup?: boolean) => Promise<void>;
}

/**
 * A look of adaptive length over the scenario's samples so far. Its own (synchronous) function so that the
 * samples, made into objects for it (~200 B each), are garbage once it returns: kept in recordScenario's
 * frame, they stayed alive through the next cycles and their floor windows, and mqleak's own live heap grew
 * by every sample since the scenario started (~2 KB/s): 9–51 KB per bridge reconnect (issue 17, item 9).
 */
function lookDecision(
  scenario: Scenario,
  recording: ScenarioRecording,
  sampler: Sampler,
  toMs: number,
  alpha: number,
): LookDecision {
  return judgeLook(scenario, recording, sampler.store.between(recording.startMs, toMs), sampler.metrics, alpha);
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
    ...emptyRecording(clock()),
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
  const window: IdleWindow = {
    target,
    sampler,
    signal,
    clock,
    self: { sampler: context.selfSampler, gc: context.selfGc },
  };
  const settle = (ms: number) => idleFloors(window, ms);
  const during = scenario.name;

  let run: PatternRun | null = null;
  /** The pattern's last operation, still asked after teardown: the broker may die in the recovery phase. */
  let lastOperation: () => string | null | undefined = () => undefined;
  try {
    await phase('baseline', async () => {
      observer.phase?.('baseline', `idle ${numberParam(params, 'baselineSeconds')} s`);
      const baseline = await settle(numberParam(params, 'baselineSeconds') * 1000);
      recording.baselineFloors = baseline.floors;
      recording.selfBaselineFloors = baseline.selfFloors;
      await context.afterFloor?.('baseline', null);
    });
    checkTarget(target, sampler, during);
    const patternContext: PatternContext = {
      broker: target.address,
      targetPid: target.pid,
      params,
      signal,
      runToken: context.runToken,
      credentials: context.credentials,
      sourceIps: context.sourceIps,
      ...(context.agents === undefined ? {} : { agents: context.agents }),
      notice: (message) => observer.notice?.(message),
    };
    run =
      context.agents !== undefined &&
      scenario.pattern.distributed !== true &&
      scenario.pattern.splitsCycles !== undefined
        ? await context.agents.startSplit(scenario.pattern, patternContext)
        : await scenario.pattern.start(patternContext);
    const started = run;
    lastOperation = () => started.lastOperation?.();
    const warmupCycles = numberParam(params, 'warmupCycles');
    const totalCycles = warmupCycles + numberParam(params, 'cycles');
    // Adaptive length: `cycles` is the cap; a look that finds every metric PASS ends the cycles (a LEAK runs to the
    // cap).
    const plan = sequentialPlan(scenarioAlpha(total), numberParam(params, 'cycles'));
    const sequential = {
      familyAlpha: plan.familyAlpha,
      alpha: plan.alphas[0] as number,
      look: 0,
      looks: plan.looks.length,
      measuredCycles: 0,
      capCycles: numberParam(params, 'cycles'),
      stopReason: 'cap' as StopReason,
      decidedAtMs: null as number | null,
    };
    recording.sequential = sequential;
    let cumulativeOps = 0;
    for (let cycle = 0; cycle < totalCycles && !signal.aborted && sequential.stopReason !== 'decided'; cycle++) {
      const warmup = cycle < warmupCycles;
      const name: PhaseName = warmup ? 'warmup' : 'measured';
      const last = recording.phases.at(-1);
      const record = async (): Promise<void> => {
        observer.phase?.(name, `cycle ${cycle + 1}/${totalCycles}`);
        const startMs = clock();
        const outcome = await (run as PatternRun)
          .runCycle({
            index: cycle,
            operations: numberParam(params, 'operationsPerCycle'),
            concurrency: numberParam(params, 'concurrency'),
            deadlineMs: Date.now() + numberParam(params, 'cycleTimeoutSeconds') * 1000,
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
        checkTarget(target, sampler, during, lastOperation());
        if (refusedLoad(outcome)) throw refusedLoadError(outcome, `in cycle ${cycle + 1}`, lastOperation());
        const { floors, gcForced, selfFloors, selfGcForced } = await settle(
          numberParam(params, 'settleSeconds') * 1000,
        );
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
        await context.afterFloor?.('cycle', cycle, warmup);
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
      if (warmup) continue;
      sequential.measuredCycles = cycle - warmupCycles + 1;
      const look = lookAt(plan, sequential.measuredCycles);
      if (look < 0) continue;
      sequential.look = look + 1;
      sequential.alpha = plan.alphas[look] as number;
      const decision = lookDecision(scenario, recording, sampler, clock(), sequential.alpha);
      if (decision.decided && sequential.decidedAtMs === null) sequential.decidedAtMs = clock() - recording.startMs;
      if (!decision.decided) sequential.decidedAtMs = null;
      if (decision.stop) sequential.stopReason = 'decided';
    }
    if (signal.aborted && sequential.stopReason !== 'decided') sequential.stopReason = 'aborted';
    await phase('recovery', async () => {
      observer.phase?.('recovery', `everything disconnected, idle ${numberParam(params, 'recoverySeconds')} s`);
      await run?.teardown();
      run = null;
      const recovered = await settle(numberParam(params, 'recoverySeconds') * 1000);
      recording.recoveryFloors = recovered.floors;
      recording.selfRecoveryFloors = recovered.selfFloors;
      await context.afterFloor?.('recovery', null);
    });
    checkTarget(target, sampler, during, lastOperation());
  } catch (error) {
    // A lost agent ends the scenario's load but not the run: the scenario is judged INCONCLUSIVE (agent-lost).
    if (error instanceof AgentLostError)
      observer.notice?.(`${error.message}: ${scenario.name} ends here, INCONCLUSIVE`);
    else {
      recording.error = error;
      if (recording.sequential !== undefined) recording.sequential.stopReason = 'error';
    }
    await Promise.resolve(run?.teardown()).catch(() => undefined);
  }
  recording.endMs = clock();
  return recording;
}
