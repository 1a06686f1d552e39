import { failureKind, type OperationTally } from './run-operations.js';

// runOperations for callback-driven operations (the lean churn connection): the same bounds and tally,
// without a promise per operation: the hot loop of connect churn allocates nothing of its own.

/** Starts operation `index`; it calls `done` once, with null on success or its failure kind. */
export type CallbackOperation = (index: number, done: (failure: string | null) => void) => void;

/**
 * Runs `count` operations with at most `concurrency` in flight. Bounded in count and in time: no new
 * operation starts after the deadline or once the signal aborts. An operation that throws when started
 * is tallied as failed under its error's kind.
 */
export function runCallbackPool(
  count: number,
  concurrency: number,
  deadlineMs: number,
  signal: AbortSignal,
  operation: CallbackOperation,
): Promise<OperationTally> {
  const tally: OperationTally = { attempted: 0, failures: 0, failureKinds: {}, timedOut: false };
  const limit = Math.max(1, Math.min(concurrency, count));
  let inFlight = 0;
  return new Promise((resolve) => {
    const failed = (kind: string): void => {
      tally.failures++;
      tally.failureKinds[kind] = (tally.failureKinds[kind] ?? 0) + 1;
    };
    // Completions only mark a refill due; one setImmediate per turn of the event loop starts the next batch.
    // Measured against Mosquitto (50 in flight): starting the next connection right inside the previous one's
    // callback cost ~200 µs of CPU per cycle, batching the starts ~140 µs.
    let refillDue = false;
    const refill = (): void => {
      refillDue = false;
      pump();
    };
    const done = (failure: string | null): void => {
      inFlight--;
      if (failure !== null) failed(failure);
      if (!refillDue) {
        refillDue = true;
        setImmediate(refill);
      }
    };
    const pump = (): void => {
      while (inFlight < limit && tally.attempted < count && !signal.aborted) {
        if (Date.now() >= deadlineMs) {
          tally.timedOut = true;
          break;
        }
        const index = tally.attempted++;
        inFlight++;
        try {
          operation(index, done);
        } catch (error) {
          inFlight--;
          failed(failureKind(error));
        }
      }
      if (inFlight === 0 && (tally.attempted >= count || signal.aborted || tally.timedOut)) resolve(tally);
    };
    if (count <= 0) resolve(tally);
    else pump();
  });
}
