/** What a batch of operations came to: how many ran, how many failed and how. */
export interface OperationTally {
  attempted: number;
  failures: number;
  /** Failure counts by kind (`ECONNREFUSED`, `timeout`, `connack-5` ...). */
  failureKinds: Record<string, number>;
  /** The batch hit its time bound before every operation ran. */
  timedOut: boolean;
}

export class OperationFailure extends Error {
  constructor(
    readonly kind: string,
    message?: string,
  ) {
    super(message ?? kind);
  }
}

/** The kind a failed operation is tallied under: its OperationFailure kind, else its error code. */
export function failureKind(error: unknown): string {
  if (error instanceof OperationFailure) return error.kind;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

/**
 * Runs `count` operations with at most `concurrency` in flight. Bounded in count and in time:
 * no new operation starts after the deadline or once the signal aborts.
 */
export async function runOperations(
  count: number,
  concurrency: number,
  deadlineMs: number,
  signal: AbortSignal,
  operation: (index: number) => Promise<void>,
): Promise<OperationTally> {
  const tally: OperationTally = { attempted: 0, failures: 0, failureKinds: {}, timedOut: false };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !signal.aborted) {
      if (Date.now() >= deadlineMs) {
        tally.timedOut = true;
        return;
      }
      const index = next++;
      tally.attempted++;
      try {
        await operation(index);
      } catch (error) {
        tally.failures++;
        const kind = failureKind(error);
        tally.failureKinds[kind] = (tally.failureKinds[kind] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return tally;
}

/** Several batches run side by side (pools of their own), as one tally. */
export function sumTallies(tallies: readonly OperationTally[]): OperationTally {
  const total: OperationTally = { attempted: 0, failures: 0, failureKinds: {}, timedOut: false };
  for (const tally of tallies) {
    total.attempted += tally.attempted;
    total.failures += tally.failures;
    total.timedOut ||= tally.timedOut;
    for (const [kind, count] of Object.entries(tally.failureKinds))
      total.failureKinds[kind] = (total.failureKinds[kind] ?? 0) + count;
  }
  return total;
}
