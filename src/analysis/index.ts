// Public API of the analysis: pure statistics and the verdict (no I/O, no clocks, no randomness).

export * from '../core/verdict-types.js';
export { judgeMetric, combineVerdicts } from './judge.js';
export { shareAlpha, DEFAULT_FAMILY_ALPHA } from './alpha-budget.js';
export { lowFloor, LOW_FLOOR_QUANTILE, LOW_FLOOR_IGNORED_STRAYS } from './floors.js';
export { theilSen, theilSenDetailed, theilSenLine, MIN_THEIL_SEN_POINTS } from './theil-sen.js';
export type { TheilSenFit, TheilSenDetail, TheilSenOptions } from './theil-sen.js';
export {
  defaultThresholdPerOp,
  DEFAULT_BYTES_THRESHOLD_PER_OP,
  DEFAULT_COUNT_THRESHOLD_PER_OP,
  DEFAULT_THRESHOLDS_BY_METRIC,
} from './default-delta.js';
export {
  estimateGcPeriod,
  windowMinima,
  soakWindowMs,
  SOAK_WINDOW_GC_PERIODS,
  GC_MIN_SAMPLES,
  GC_DROP_SIGMAS,
  GC_DROP_MIN_SHARE,
  GC_MIN_DROPS,
  GC_ACF_MIN_PEAK,
  GC_MAX_SPACING_SPREAD,
  GC_MIN_SEEN_SHARE,
  GC_SUBMULTIPLE_TOLERANCE,
  GC_SUBMULTIPLE_MIN_SHARE,
  WINDOW_MIN_COVERAGE,
} from './soak.js';
export {
  judgeSoakMetric,
  planSoakWindow,
  soakSeries,
  opsAt,
  minutesForWindows,
  SOAK_FALLBACK_WINDOW_MS,
  SOAK_MAX_WINDOWS,
  SOAK_WARMUP_SHARE,
} from './judge-soak-series.js';
export type { OpsPoint, SoakMetricInput, SoakSamples, SoakVerdict, SoakWindowPlan } from './judge-soak-series.js';
export { planTroughFloors, troughFloors, findFalls, MAX_TROUGH_WINDOW_SHARE } from './trough-floors.js';
export type { Fall, LoadCycle, TroughPlan } from './trough-floors.js';
export { combineFloorViews } from './floor-views.js';
export type { CombinedViews, FloorView } from './floor-views.js';
export { normalQuantile, twoSidedZ } from './normal.js';
export {
  lag1Autocorrelation,
  rankLag1Autocorrelation,
  residualAutocorrelation,
  effectiveSampleSize,
  MAX_RESIDUAL_AUTOCORRELATION,
} from './autocorrelation.js';
export { MIN_JUDGED_CYCLES, MAX_NULL_FLOOR_SHARE, SERIOUS_ISSUE_CODES } from './prepare.js';
export { DEFAULT_MIN_WARMUP_CYCLES, MAX_WARMUP_SHARE, WARMUP_OUTLIER_SIGMAS, WARMUP_MIN_SHRINK } from './warmup.js';
export {
  STEP_MIN_SIDE_CYCLES,
  STEP_MIN_JUMP_SIGMAS,
  STEP_MAX_SIDE_DRIFT_SHARE,
  STEP_SIDE_FLAT_Z,
  STEP_MIN_ADJACENT_SHARE,
} from './step.js';
export { PERSISTENCE_MIN_SHARE, SATURATION_MAX_SHARE } from './persistence.js';
export { RECOVERY_MIN_RETAINED_SHARE } from './recovery.js';
export { MAX_CYCLES_NEEDED, HALF_WIDTH_EXPONENT } from './power.js';
export { STEP_MIN_RELEVANCE, UNCONFIRMED_GROWTH_CYCLES_FACTOR } from './judge-bytes.js';
export { COUNT_TOLERANCE, COUNT_MIN_RISE, COUNT_LEVEL_CYCLES, COUNT_NOISE_FLOOR } from './judge-count.js';
export { formatBytes } from '../core/format.js';
export { median } from './quantile.js';
export { familyAlphas, FAMILY_BUDGET_SHARE } from './alpha-budget-families.js';
export type { FamilyAlphas } from './alpha-budget-families.js';
export {
  judgeFamilyGrowth,
  familyIncrements,
  FAMILY_MIN_INCREMENTS,
  FAMILY_MIN_POOLED_DOF,
  FAMILY_MIN_GROWING_SHARE,
  FAMILY_MIN_KEPT_SHARE,
} from './family-growth.js';
export type { FamilyCycle, FamilyGrowth, FamilyGrowthOptions } from './family-growth.js';
export { twoSidedT } from './student-t.js';
