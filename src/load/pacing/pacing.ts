import type { OperationTally } from './run-operations.js';
import { OperationFailure } from './run-operations.js';

// The pacing engine: start operations at an asked rate, never more in flight than the broker's listen
// backlog takes (Mosquitto's holds 100 pending connections; more attempts are dropped and retried by the
// kernel after a second, which looks like a slow broker), and say afterwards why a rate was not held:
// the generator's CPU, the broker's, or neither (the round trip at that many in flight).

/** Mosquitto's listen backlog (its `listen(fd, 100)`): connection attempts in flight stay at or under it. */
export const DEFAULT_BACKLOG = 100;
/**
 * A rate counts as held when at least this share of it was achieved (timer granularity, warm-up of the first batch).
 */
export const HELD_SHARE = 0.95;
/** A process at this share of one core or more is saturated: Node's event loop and Mosquitto each run on one thread. */
export const BUSY_CPU_SHARE = 0.9;
/** Operations started per tick at most when behind schedule: catches up without starving the event loop. */
const MAX_BURST = 256;

export interface PacedTally extends OperationTally {
  elapsedMs: number;
  /** Operations that succeeded, per second over the run. */
  achievedRate: number;
  /** The most operations that were in flight at once. */
  peakInFlight: number;
}

/**
 * Runs `count` operations (or until the deadline) started at `rate` per second (Infinity: as fast as the
 * in-flight bound allows), at most `maxInFlight` at once. Bounded in count and in time.
 */
export async function runPaced(
  count: number,
  rate: number,
  maxInFlight: number,
  deadlineMs: number,
  signal: AbortSignal,
  operation: (index: number) => Promise<void>,
): Promise<PacedTally> {
  const tally: PacedTally = {
    attempted: 0,
    failures: 0,
    failureKinds: {},
    timedOut: false,
    elapsedMs: 0,
    achievedRate: 0,
    peakInFlight: 0,
  };
  const started = Date.now();
  const intervalMs = Number.isFinite(rate) && rate > 0 ? 1000 / rate : 0;
  let inFlight = 0;
  let completed = 0;
  await new Promise<void>((resolve) => {
    let wake: NodeJS.Timeout | null = null;
    const finish = (): void => {
      if (inFlight === 0 && (tally.attempted >= count || signal.aborted || tally.timedOut)) {
        if (wake !== null) clearTimeout(wake);
        resolve();
      }
    };
    const pump = (): void => {
      wake = null;
      const now = Date.now();
      if (now >= deadlineMs && tally.attempted < count) tally.timedOut = true;
      // Operations due by now under the schedule (all of them when unpaced), within the in-flight bound.
      const due = intervalMs === 0 ? count : Math.min(count, Math.floor((now - started) / intervalMs) + 1);
      let burst = 0;
      while (
        tally.attempted < due &&
        inFlight < maxInFlight &&
        burst < MAX_BURST &&
        !signal.aborted &&
        !tally.timedOut
      ) {
        const index = tally.attempted++;
        inFlight++;
        burst++;
        tally.peakInFlight = Math.max(tally.peakInFlight, inFlight);
        operation(index)
          .catch((error: unknown) => {
            tally.failures++;
            const kind =
              error instanceof OperationFailure
                ? error.kind
                : ((error as NodeJS.ErrnoException | undefined)?.code ?? 'error');
            tally.failureKinds[kind] = (tally.failureKinds[kind] ?? 0) + 1;
          })
          .finally(() => {
            inFlight--;
            completed++;
            if (wake === null) wake = setTimeout(pump, 0);
            finish();
          });
      }
      if (tally.attempted < count && !signal.aborted && !tally.timedOut && wake === null) {
        // Next start: the schedule's next slot, or at once when held back by the in-flight bound (a completion wakes
        // it).
        const nextAt = intervalMs === 0 ? 0 : started + tally.attempted * intervalMs - now;
        if (inFlight < maxInFlight) wake = setTimeout(pump, Math.max(0, Math.min(nextAt, deadlineMs - now)));
      }
      finish();
    };
    signal.addEventListener('abort', () => finish(), { once: true });
    pump();
  });
  tally.elapsedMs = Date.now() - started;
  tally.achievedRate = (completed - tally.failures) / Math.max(1e-3, tally.elapsedMs / 1000);
  return tally;
}

/** Connection attempts in flight: what was asked, but never more than the broker's backlog takes. */
export function inFlightWithinBacklog(asked: number, backlog = DEFAULT_BACKLOG): number {
  return Math.max(1, Math.min(asked, backlog));
}

export type RateBound = 'held' | 'generator-bound' | 'broker-bound' | 'machine-bound' | 'latency-bound';

export interface RateObservation {
  /** Asked rate (Infinity: as fast as possible, never "held"). */
  asked: number;
  achieved: number;
  /** CPU of each of mqleak's load processes, as a share of one core over the run. */
  generatorCpu: readonly number[];
  /** The broker's CPU, share of one core; null when its process is not visible. */
  brokerCpu: number | null;
}

/** Why a rate was or was not held, in a word and in plain words. Pure. */
export function diagnoseRate(observation: RateObservation): { bound: RateBound; message: string } {
  const { asked, achieved, generatorCpu, brokerCpu } = observation;
  const pct = (share: number): string => `${Math.round(share * 100)}%`;
  const busiest = generatorCpu.length === 0 ? 0 : Math.max(...generatorCpu);
  const cpus =
    `mqleak ${generatorCpu.map(pct).join(' + ') || 'n/a'} of a core, broker ` +
    `${brokerCpu === null ? 'not visible' : pct(brokerCpu)}`;
  const perSecond = (value: number): string => `${Math.round(value).toLocaleString('en-US')}/s`;
  const rate = `${perSecond(achieved)}${Number.isFinite(asked) ? ` of ${perSecond(asked)} asked` : ''}`;
  if (Number.isFinite(asked) && achieved >= asked * HELD_SHARE)
    return { bound: 'held', message: `rate held: ${rate} (${cpus})` };
  const generatorBusy = busiest >= BUSY_CPU_SHARE;
  const brokerBusy = brokerCpu !== null && brokerCpu >= BUSY_CPU_SHARE;
  if (generatorBusy && brokerBusy)
    return {
      bound: 'machine-bound',
      message:
        `both at their CPU limit: ${rate} (${cpus}); on one machine they share its cores — ` +
        `run mqleak on another host to load the broker further`,
    };
  if (brokerBusy)
    return { bound: 'broker-bound', message: `broker-bound: ${rate}, the broker at its CPU limit (${cpus})` };
  if (generatorBusy)
    return {
      bound: 'generator-bound',
      message:
        `generator-bound: ${rate}, mqleak at its CPU limit (${cpus}): more load processes or ` +
        `a faster machine would load the broker further`,
    };
  return {
    bound: 'latency-bound',
    message:
      `latency-bound: ${rate} with neither process busy (${cpus}): more operations in flight ` +
      `(up to the broker's backlog) would go faster`,
  };
}

/**
 * The plain-words note for a scenario whose cycles asked a rate (`answers[variant]`: cycles by bound) and
 * did not always get it, from the scenario's mean figures; null when every cycle held it. Pure.
 */
export function rateNote(
  what: string,
  cyclesByBound: Readonly<Record<string, number>>,
  means: { asked: number; achieved: number | null; generatorCpuPct: number | null; brokerCpuPct: number | null },
): string | null {
  const cycles = Object.values(cyclesByBound).reduce((sum, n) => sum + n, 0);
  const missed = cycles - (cyclesByBound.held ?? 0);
  if (missed <= 0 || means.achieved === null) return null;
  // The bound most cycles that missed had, in the words diagnoseRate gives it, from the mean CPU figures.
  const { message } = diagnoseRate({
    asked: means.asked,
    achieved: means.achieved,
    generatorCpu: means.generatorCpuPct === null ? [] : [means.generatorCpuPct / 100],
    brokerCpu: means.brokerCpuPct === null ? null : means.brokerCpuPct / 100,
  });
  return `${what} not held in ${missed} of ${cycles} cycles: ${message}`;
}
