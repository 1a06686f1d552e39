import type { CycleOutcome } from '../../core/cycle.js';
import { AgentLostError, type AgentConnection } from '../../load/remote/agent-connection.js';
import type { PatternRun } from '../../patterns/pattern.js';
import { emptyProtocolFacts, mergeProtocolFacts } from '../../patterns/shared/protocol-facts.js';

// A pattern's cycles split over agents (execution segments): every cycle, each agent runs an equal share of
// the cycle's operations with the same pattern code, and the coordinator waits for all of them before the
// settle window, then adds their outcomes up: the broker's floors are judged against every agent's operations.

/** `total` split into `parts` shares that differ by at most one, the larger first. */
export function evenShares(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, k) => base + (k < total % parts ? 1 : 0));
}

/** The agents' outcomes of one cycle as one: counts added, checks and answers merged, a timeout if any timed out. */
export function sumOutcomes(outcomes: readonly CycleOutcome[]): CycleOutcome {
  const failureKinds: Record<string, number> = {};
  const facts = emptyProtocolFacts();
  for (const outcome of outcomes) {
    for (const [kind, count] of Object.entries(outcome.failureKinds))
      failureKinds[kind] = (failureKinds[kind] ?? 0) + count;
    mergeProtocolFacts(facts, outcome);
  }
  const variant = outcomes.find((outcome) => outcome.variant !== undefined)?.variant;
  return {
    operations: outcomes.reduce((sum, outcome) => sum + outcome.operations, 0),
    failures: outcomes.reduce((sum, outcome) => sum + outcome.failures, 0),
    failureKinds,
    timedOut: outcomes.some((outcome) => outcome.timedOut),
    ...(Object.keys(facts.checks).length === 0 ? {} : { checks: facts.checks }),
    ...(Object.keys(facts.answers).length === 0 ? {} : { answers: facts.answers }),
    ...(Object.keys(facts.observations).length === 0 ? {} : { observations: facts.observations }),
    ...(variant === undefined ? {} : { variant }),
  };
}

/**
 * The run's view of a pattern whose cycles the agents share. `extraMs`: what a cycle takes beyond its
 * deadline (the pattern's extraCycleMs), so a slow share is not taken for a lost agent.
 */
export function splitPatternRun(agents: readonly AgentConnection[], extraMs: number, signal: AbortSignal): PatternRun {
  return {
    async runCycle(request) {
      const shares = evenShares(request.operations, agents.length);
      const remainingMs = Math.max(0, request.deadlineMs - Date.now());
      const settled = await Promise.allSettled(
        agents.map((agent, k) => {
          const operations = shares[k] as number;
          const concurrency =
            request.operations > 0
              ? Math.max(1, Math.ceil((request.concurrency * operations) / request.operations))
              : 1;
          return agent.runCycleShare({ index: request.index, operations, concurrency, remainingMs }, extraMs, signal);
        }),
      );
      // Every agent has finished its share (or is gone) before the run reads a floor; a lost one ends the scenario.
      const failed = settled.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed.length > 0)
        throw (failed.find((result) => result.reason instanceof AgentLostError) ?? failed[0])?.reason;
      return sumOutcomes(settled.map((result) => (result as PromiseFulfilledResult<CycleOutcome>).value));
    },
    async teardown() {
      await Promise.all(agents.map((agent) => agent.teardownPattern()));
    },
  };
}
