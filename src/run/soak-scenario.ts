import { SOAK_WARMUP_SHARE } from '../analysis/index.js';
import { targetError } from '../core/errors.js';
import type { PatternRun } from '../patterns/pattern.js';
import type { Params } from '../core/params.js';
import { emptyProtocolFacts, mergeProtocolFacts } from '../patterns/shared/protocol-facts.js';
import type { CycleReport, PhaseReport } from '../core/report-model.js';
import { METRICS, type MetricValues } from '../core/metrics.js';
import type { SampleStore } from '../core/sample-store.js';
import type { ScenarioRecording, SoakRecording, SoakTimeline } from '../core/recording.js';
import { floorsBetween, type ScenarioRunContext } from './run-scenario.js';
import { sleep } from '../core/sleep.js';

// A continuous (soak) run of one scenario: baseline idle → load back to back for the soak's duration
// (its first SOAK_WARMUP_SHARE is warm-up) → recovery idle. No settle windows: the floors are read
// from the raw samples afterwards (src/run/judge-soak.ts). Bounded by the duration, by a batch count,
// and by the abort signal (Ctrl-C ends the load early; recovery and the report still happen).

/**
 * Most batches of operations in one soak, whatever the duration: a bound on the loop should the
 * pattern return at once (every operation failing fast is caught as a refused load before that).
 * A million batches is over a week of the smallest batch the schema allows at one per 0.5 s.
 */
export const MAX_SOAK_BATCHES = 1_000_000;
/** A batch where at least this share of operations failed means the broker refused the load (exit 3), as in a cycle run. */
const TARGET_REFUSED_SHARE = 0.5;
/** As in a cycle's settle window: the first half of the recovery lets closing connections finish, the floor is read over the rest. */
const RECOVERY_FLOOR_SHARE = 0.5;

export type { SoakRecording, SoakTimeline } from '../core/recording.js';

function num(params: Params, name: string): number {
  return params[name] as number;
}

/** Rough length of a soak run of this scenario, for the progress line. */
export function estimateSoakMs(params: Params, durationMs: number): number {
  return (num(params, 'baselineSeconds') + num(params, 'recoverySeconds')) * 1000 + durationMs;
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
  const recording: SoakRecording = {
    startMs: clock(),
    endMs: 0,
    phases: [],
    cycles: batches,
    baselineFloors: {},
    recoveryFloors: {},
    failureKinds: {},
    facts: emptyProtocolFacts(),
    error: null,
    soak,
  };
  observer.scenarioStart?.(scenario.name, index, total, estimateSoakMs(params, durationMs));
  const checkTarget = (): void => {
    const gone = sampler.failed ?? null;
    const exit = target.exitReason();
    if (gone !== null || exit !== null) {
      throw targetError(
        `the broker process ${gone !== null ? `(${gone.message})` : `(pid ${target.pid}) ${exit}`} during the soak of ${scenario.name}`,
        target.outputTail().length > 0
          ? `its last output: ${target.outputTail().slice(-2).join(' | ')}`
          : "check the broker's own logs",
      );
    }
  };
  /** Idles `ms`, forcing a collection half-way where the target allows, and reads the floors over the second half. */
  const idle = async (ms: number): Promise<{ floors: MetricValues; gcForced: boolean }> => {
    const floorMs = ms * RECOVERY_FLOOR_SHARE;
    await sleep(ms - floorMs, signal);
    const gcForced = target.canForceGc && !signal.aborted ? await target.forceGc() : false;
    const fromMs = clock();
    await sleep(floorMs, signal);
    await sampler.sampleNow();
    return { floors: floorsBetween(sampler.store, fromMs, clock(), sampler.metrics), gcForced };
  };

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
    observer.phase?.('baseline', `idle ${num(params, 'baselineSeconds')} s`);
    recording.baselineFloors = (await idle(num(params, 'baselineSeconds') * 1000)).floors;
    baseline.endMs = clock();
    checkTarget();

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
        `soak ${Math.round((startMs - soak.loadStartMs) / 1000)} s of ${Math.round(durationMs / 1000)} s, ${cumulativeOps} ops`,
      );
      const outcome = await run.runCycle({
        index: batch,
        operations: num(params, 'operationsPerCycle'),
        concurrency: num(params, 'concurrency'),
        // No operation starts after the soak's end, nor later than a cycle's own bound.
        deadlineMs: Date.now() + Math.min(num(params, 'cycleTimeoutSeconds') * 1000, Math.max(0, soakEndMs - clock())),
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
      checkTarget();
      if (outcome.operations > 0 && outcome.failures >= outcome.operations * TARGET_REFUSED_SHARE) {
        const [topKind] = Object.entries(outcome.failureKinds).sort((a, b) => b[1] - a[1]);
        throw targetError(
          `the broker refused the load: ${outcome.failures} of ${outcome.operations} operations failed ${Math.round((startMs - soak.loadStartMs) / 1000)} s into the soak${topKind === undefined ? '' : ` (mostly ${topKind[0]})`}`,
          'check the broker is healthy and accepts this many connections (limits, authentication), or lower --set concurrency',
        );
      }
      if (outcome.operations === 0 && clock() < soakEndMs && !signal.aborted) {
        throw targetError(
          `no operation completed in a batch ${Math.round((startMs - soak.loadStartMs) / 1000)} s into the soak of ${scenario.name}`,
          'check the broker is healthy and answering',
        );
      }
    }
    closeLoad();

    const recovery: PhaseReport = { name: 'recovery', startMs: clock(), endMs: 0 };
    recording.phases.push(recovery);
    observer.phase?.('recovery', `everything disconnected, idle ${num(params, 'recoverySeconds')} s`);
    await run.teardown();
    run = null;
    const recovered = await idle(num(params, 'recoverySeconds') * 1000);
    recording.recoveryFloors = recovered.floors;
    soak.recoveryGcForced = recovered.gcForced;
    recovery.endMs = clock();
    soak.recoveryMinima = minimaBetween(sampler.store, recovery.startMs, recovery.endMs);
    checkTarget();
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
