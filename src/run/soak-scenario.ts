import { SOAK_WARMUP_SHARE } from '../analysis/index.js';
import { targetError } from '../core/errors.js';
import type { PatternRun } from '../patterns/pattern.js';
import { numberParam, type Params } from '../core/params.js';
import { mergeProtocolFacts } from '../patterns/shared/protocol-facts.js';
import type { CycleReport, PhaseReport } from '../core/report-model.js';
import { METRICS, type MetricValues } from '../core/metrics.js';
import type { SampleStore } from '../core/sample-store.js';
import type { ScenarioRecording, SoakRecording, SoakTimeline } from '../core/recording.js';
import type { ScenarioRunContext } from './run-scenario.js';
import { checkTarget, emptyRecording, idleFloors, refusedLoad, refusedLoadError } from './phases.js';

// A continuous (soak) run of one scenario: baseline idle → load back to back for the soak's duration
// (its first SOAK_WARMUP_SHARE is warm-up) → recovery idle. No settle windows: the floors are read
// from the raw samples afterwards (src/verdict/judge-soak-scenario.ts). Bounded by the duration, by a batch count,
// and by the abort signal (Ctrl-C ends the load early; recovery and the report still happen).

/**
 * Most batches of operations in one soak, whatever the duration: a bound on the loop should the
 * pattern return at once (every operation failing fast is caught as a refused load before that).
 * A million batches is over a week of the smallest batch the schema allows at one per 0.5 s.
 */
export const MAX_SOAK_BATCHES = 1_000_000;
export type { SoakRecording, SoakTimeline } from '../core/recording.js';

/** Rough length of a soak run of this scenario, for the progress line. */
export function estimateSoakMs(params: Params, durationMs: number): number {
  return (numberParam(params, 'baselineSeconds') + numberParam(params, 'recoverySeconds')) * 1000 + durationMs;
}

export async function recordSoak(
  context: ScenarioRunContext,
  index: number,
  total: number,
  durationMs: number,
): Promise<SoakRecording> {
  const { scenario, target, sampler, signal, clock, observer } = context;
  const params = scenario.params;
  // The batches are the recording's cycles too: what the run sums operations and failures over.
  const batches: CycleReport[] = [];
  const soak: SoakTimeline = {
    durationMs,
    loadStartMs: 0,
    warmupEndMs: 0,
    loadEndMs: 0,
    batches,
    recoveryGcForced: false,
    recoveryMinima: {},
  };
  const recording: SoakRecording = { ...emptyRecording(clock()), cycles: batches, soak };
  observer.scenarioStart?.(scenario.name, index, total, estimateSoakMs(params, durationMs));
  const during = `the soak of ${scenario.name}`;
  // The soak's idles read the broker's floors only: mqleak's own are judged from its samples afterwards.
  const idle = (ms: number) => idleFloors({ target, sampler, signal, clock }, ms);

  let run: PatternRun | null = null;
  let load: { warmup: PhaseReport; measured: PhaseReport } | null = null;
  /** Ends the load's phases where the load ended (early when interrupted or the target failed). */
  const closeLoad = (): void => {
    if (load === null || soak.loadEndMs > 0) return;
    soak.loadEndMs = clock();
    load.warmup.endMs = Math.min(soak.warmupEndMs, soak.loadEndMs);
    load.measured.startMs = load.warmup.endMs;
    load.measured.endMs = soak.loadEndMs;
  };
  try {
    const baseline: PhaseReport = { name: 'baseline', startMs: clock(), endMs: 0 };
    recording.phases.push(baseline);
    observer.phase?.('baseline', `idle ${numberParam(params, 'baselineSeconds')} s`);
    recording.baselineFloors = (await idle(numberParam(params, 'baselineSeconds') * 1000)).floors;
    baseline.endMs = clock();
    checkTarget(target, sampler, during);

    run = await scenario.pattern.start({
      broker: target.address,
      targetPid: target.pid,
      params,
      signal,
      runToken: context.runToken,
      credentials: context.credentials,
      notice: (message) => observer.notice?.(message),
    });
    soak.loadStartMs = clock();
    soak.warmupEndMs = soak.loadStartMs + SOAK_WARMUP_SHARE * durationMs;
    const soakEndMs = soak.loadStartMs + durationMs;
    const warmup: PhaseReport = { name: 'warmup', startMs: soak.loadStartMs, endMs: soak.warmupEndMs };
    const measured: PhaseReport = { name: 'measured', startMs: soak.warmupEndMs, endMs: soak.warmupEndMs };
    recording.phases.push(warmup, measured);
    load = { warmup, measured };
    let cumulativeOps = 0;
    for (let batch = 0; batch < MAX_SOAK_BATCHES && clock() < soakEndMs && !signal.aborted; batch++) {
      const startMs = clock();
      const inWarmup = startMs < soak.warmupEndMs;
      observer.phase?.(
        inWarmup ? 'warmup' : 'measured',
        `soak ${Math.round((startMs - soak.loadStartMs) / 1000)} s of ` +
          `${Math.round(durationMs / 1000)} s, ${cumulativeOps} ops`,
      );
      const outcome = await run.runCycle({
        index: batch,
        operations: numberParam(params, 'operationsPerCycle'),
        concurrency: numberParam(params, 'concurrency'),
        // No operation starts after the soak's end, nor later than a cycle's own bound.
        deadlineMs:
          Date.now() + Math.min(numberParam(params, 'cycleTimeoutSeconds') * 1000, Math.max(0, soakEndMs - clock())),
      });
      const endMs = clock();
      cumulativeOps += outcome.operations;
      for (const [kind, count] of Object.entries(outcome.failureKinds))
        recording.failureKinds[kind] = (recording.failureKinds[kind] ?? 0) + count;
      mergeProtocolFacts(recording.facts, outcome);
      soak.batches.push({
        index: batch,
        warmup: inWarmup,
        startMs,
        loadEndMs: endMs,
        endMs,
        operations: outcome.operations,
        cumulativeOps,
        failures: outcome.failures,
        failureKinds: outcome.failureKinds,
        gcForced: false,
        floors: {},
      });
      checkTarget(target, sampler, during);
      if (refusedLoad(outcome))
        throw refusedLoadError(outcome, `${Math.round((startMs - soak.loadStartMs) / 1000)} s into the soak`);
      if (outcome.operations === 0 && clock() < soakEndMs && !signal.aborted) {
        throw targetError(
          `no operation completed in a batch ` +
            `${Math.round((startMs - soak.loadStartMs) / 1000)} s into the soak of ` +
            `${scenario.name}`,
          'check the broker is healthy and answering',
        );
      }
    }
    closeLoad();

    const recovery: PhaseReport = { name: 'recovery', startMs: clock(), endMs: 0 };
    recording.phases.push(recovery);
    observer.phase?.('recovery', `everything disconnected, idle ${numberParam(params, 'recoverySeconds')} s`);
    await run.teardown();
    run = null;
    const recovered = await idle(numberParam(params, 'recoverySeconds') * 1000);
    recording.recoveryFloors = recovered.floors;
    soak.recoveryGcForced = recovered.gcForced;
    recovery.endMs = clock();
    soak.recoveryMinima = minimaBetween(sampler.store, recovery.startMs, recovery.endMs);
    checkTarget(target, sampler, during);
  } catch (error) {
    recording.error = error;
    closeLoad();
    await Promise.resolve(run?.teardown()).catch(() => undefined);
  }
  recording.endMs = clock();
  return recording;
}

/** The lowest reading of each memory metric over [fromMs, toMs]. */
function minimaBetween(store: SampleStore, fromMs: number, toMs: number): MetricValues {
  const samples = store.between(fromMs, toMs);
  const out: MetricValues = {};
  for (const metric of METRICS) {
    if (metric.kind !== 'bytes' || !metric.judged) continue;
    const values = samples.map((s) => s.values[metric.name]).filter((v): v is number => v !== undefined);
    // The minimum, not a robust low value: it is compared with the windows' floors, which are minima too.
    if (values.length > 0) out[metric.name] = values.reduce((a, b) => Math.min(a, b));
  }
  return out;
}

export function isSoakRecording(recording: ScenarioRecording): recording is SoakRecording {
  return 'soak' in recording;
}

/** recordScenario's shape, for a soak of `durationMs`: the run loop calls either. */
export function soakRecorder(
  durationMs: number,
): (context: ScenarioRunContext, index: number, total: number) => Promise<SoakRecording> {
  return (context, index, total) => recordSoak(context, index, total, durationMs);
}
