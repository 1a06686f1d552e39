// What a bare `mqleak run` (nothing named, no --all) runs: a few built-in scenarios in their --quick form, chosen and
// shaped so that the embedded broker (a collection forced before every floor) decides them in about three minutes.
// Why these, with the measured runs: docs/measurements/bare-run.md.

/**
 * The scenarios of the first run. On the embedded broker the quick suite's 13 scenarios took 443 s and 12 were
 * INCONCLUSIVE; these three came nearest to deciding (rss upper bounds 569, 455 and 131 B/op at 8 measured cycles)
 * and are among the fastest. connect-churn is the pattern most broker leaks were found with.
 */
export const FIRST_RUN_SCENARIOS: readonly string[] = ['connect-churn', 'topic-churn', 'retained-flood'];

/**
 * δ for memory in the first run, in bytes per operation. Aedes's RSS floors move by up to ~1.5 MB from cycle to cycle
 * even after a forced collection (V8 keeps and reuses pages), so δ = 64 B/op needs about 24 cycles of 5,000
 * operations per scenario (~160 s each, test/integration/fixture-verdicts.test.ts); at 1 KB/op the quick forms
 * decide. The report prints the threshold and each metric's smallest detectable leak; a run that names its scenarios
 * keeps the default δ.
 */
export const FIRST_RUN_MEMORY_THRESHOLD = '1KB';

/**
 * The cap of measured cycles: the quick forms' 8 left two of three INCONCLUSIVE in one measured run ("about 9 and 12
 * measured cycles would settle it"). Adaptive length stops each scenario at its first look where every metric
 * PASSes (6, 8, 10, 13, 16), so a scenario that decides early does not pay for the cap; all three at the cap stay
 * under 3 minutes (docs/measurements/bare-run.md).
 */
export const FIRST_RUN_CAP_CYCLES = 16;

/**
 * `--set` overrides applied before the user's own (which win). The coarser memory δ is for the embedded broker only,
 * whose noise it answers; a broker the user points at keeps the default δ.
 */
export function firstRunOverrides(embedded: boolean): string[] {
  const memory = [`thresholds.rss=${FIRST_RUN_MEMORY_THRESHOLD}`, `thresholds.rssAnon=${FIRST_RUN_MEMORY_THRESHOLD}`];
  return [...(embedded ? memory : []), `cycles=${FIRST_RUN_CAP_CYCLES}`];
}
