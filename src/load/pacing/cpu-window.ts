import { readCpuSeconds } from '../../sample/proc-probe.js';

// CPU of mqleak's load processes and of the broker over one stretch of load (a fill paced at an asked
// rate), as shares of one core: what the pacing engine's diagnosis (pacing.ts, diagnoseRate) needs to say
// whether a rate it did not hold was held back by mqleak or by the broker.

export interface CpuShares {
  /** Each load process's CPU over the window, as a share of one core (1 = one core busy). */
  generatorCpu: number[];
  /** The broker's, or null when its process is not visible (or vanished). */
  brokerCpu: number | null;
}

async function readAll(pids: readonly number[]): Promise<(number | null)[]> {
  return Promise.all(pids.map((pid) => readCpuSeconds(pid)));
}

/** Starts measuring; the returned function ends the window and gives the shares. */
export async function startCpuWindow(
  generatorPids: readonly number[],
  brokerPid: number | null,
  clock: () => number = Date.now,
): Promise<() => Promise<CpuShares>> {
  const startedMs = clock();
  const before = await readAll(generatorPids);
  const brokerBefore = brokerPid === null ? null : await readCpuSeconds(brokerPid);
  return async () => {
    const seconds = Math.max(1e-3, (clock() - startedMs) / 1000);
    const after = await readAll(generatorPids);
    const brokerAfter = brokerPid === null ? null : await readCpuSeconds(brokerPid);
    const share = (start: number | null, end: number | null): number | null =>
      start === null || end === null ? null : Math.max(0, end - start) / seconds;
    return {
      generatorCpu: after
        .map((end, i) => share(before[i] ?? null, end))
        .filter((value): value is number => value !== null),
      brokerCpu: share(brokerBefore, brokerAfter),
    };
  };
}
