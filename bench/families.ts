// Benchmark of the per-family verdict (no dilution) on seeded synthetic rotating runs: the false-LEAK
// rate on clean runs, with families judged and without (the mixed fit alone, as before families), and
// how often one leaking family of many is found at its own size. Prints one JSON object to stdout.
// Run: npm run bench:families. Deterministic: every run comes from a seeded PRNG (only elapsedMs changes).

import { METRICS } from '../src/core/metrics.js';
import type { ScenarioRecording } from '../src/core/recording.js';
import { judgeScenario } from '../src/verdict/judge-scenario.js';
import { familyName, familyRun, type FamilyRunOptions } from '../test/helpers/synthetic-families.js';

const KB = 1024;
/** Clean runs per setting: enough to see a rate of a few in a thousand. */
const CLEAN_RUNS = 1000;
/** Leaking runs per setting. */
const LEAK_RUNS = 200;
const LEAK_BYTES_PER_OP = 128;
const RSS_ONLY = METRICS.filter((metric) => metric.name === 'proc.rss');
/** The four metrics a local run judges share the budget: rss carries the noise, the others are flat. */
const FOUR = METRICS.filter((metric) => metric.judged);

/** A clean run with a one-off jump (a table resized once) of this size at a cycle that varies with the seed. */
const STEP_BYTES = 2 * 1024 * 1024;

interface Setting extends Omit<FamilyRunOptions, 'seed'> {
  /** Clean runs get a one-off jump of STEP_BYTES at measured cycle seed % measuredCycles. */
  cleanStep?: boolean;
}

const SETTINGS: Setting[] = [
  { families: 4, measuredCycles: 12, floorNoise: 8 * KB },
  { families: 18, measuredCycles: 36, floorNoise: 8 * KB },
  { families: 20, measuredCycles: 40, floorNoise: 8 * KB },
  { families: 20, measuredCycles: 40, floorNoise: 32 * KB },
  { families: 20, measuredCycles: 60, floorNoise: 32 * KB },
  { families: 20, measuredCycles: 40, floorNoise: 8 * KB, cleanStep: true },
];

/** The same run without family names: what the mixed fit alone says (the verdict before families). */
function withoutFamilies(recording: ScenarioRecording): ScenarioRecording {
  return { ...recording, cycles: recording.cycles.map(({ variant: _variant, ...cycle }) => cycle) };
}

function withFlatCounts(samples: ReturnType<typeof familyRun>['samples']) {
  return samples.map((sample) => ({
    ...sample,
    values: { ...sample.values, 'proc.rssAnon': sample.values['proc.rss'] ?? 0, 'proc.fds': 20, 'proc.threads': 2 },
  }));
}

function withFlatCountFloors(recording: ScenarioRecording): ScenarioRecording {
  return {
    ...recording,
    cycles: recording.cycles.map((cycle) => ({
      ...cycle,
      floors: { ...cycle.floors, 'proc.rssAnon': cycle.floors['proc.rss'] ?? 0, 'proc.fds': 20, 'proc.threads': 2 },
    })),
    baselineFloors: { ...recording.baselineFloors, 'proc.fds': 20, 'proc.threads': 2 },
    recoveryFloors: { ...recording.recoveryFloors, 'proc.fds': 20, 'proc.threads': 2 },
  };
}

const started = Date.now();
const results = SETTINGS.map(({ cleanStep, ...shape }) => {
  const setting = { ...shape, ...(cleanStep === true ? { cleanStep } : {}) };
  let falseLeak = 0;
  let falseLeakMixedOnly = 0;
  let falseFamilyLeaks = 0;
  let cleanPass = 0;
  for (let seed = 1; seed <= CLEAN_RUNS; seed++) {
    const step = setting.cleanStep === true ? { at: seed % setting.measuredCycles, size: STEP_BYTES } : undefined;
    const { recording, samples } = familyRun({ ...setting, seed, ...(step === undefined ? {} : { step }) });
    const rec = withFlatCountFloors(recording);
    const all = withFlatCounts(samples);
    const judged = judgeScenario({ thresholds: {} }, rec, all, FOUR);
    const mixedOnly = judgeScenario({ thresholds: {} }, withoutFamilies(rec), all, FOUR);
    if (judged.verdict === 'leak') falseLeak++;
    if (judged.verdict === 'pass') cleanPass++;
    if (mixedOnly.verdict === 'leak') falseLeakMixedOnly++;
    falseFamilyLeaks += judged.families?.filter((family) => family.verdict === 'leak').length ?? 0;
  }
  let found = 0;
  let foundMixedOnly = 0;
  let rightFamily = 0;
  let intervalHolds = 0;
  const leaking = 7 % setting.families;
  for (let seed = 1; seed <= LEAK_RUNS; seed++) {
    const { recording, samples } = familyRun({
      ...setting,
      seed: 100_000 + seed,
      leaks: { [leaking]: LEAK_BYTES_PER_OP },
    });
    const judged = judgeScenario({ thresholds: {} }, recording, samples, RSS_ONLY);
    const mixedOnly = judgeScenario({ thresholds: {} }, withoutFamilies(recording), samples, RSS_ONLY);
    if (judged.verdict === 'leak') found++;
    if (mixedOnly.verdict === 'leak') foundMixedOnly++;
    const family = judged.families?.find((entry) => entry.name === familyName(leaking));
    if (family?.verdict === 'leak') rightFamily++;
    const ci = family?.metrics[0]?.ci;
    if (ci !== null && ci !== undefined && ci[0] <= LEAK_BYTES_PER_OP && LEAK_BYTES_PER_OP <= ci[1]) intervalHolds++;
  }
  return {
    ...setting,
    opsPerCycle: 1000,
    clean: {
      runs: CLEAN_RUNS,
      falseLeakRate: falseLeak / CLEAN_RUNS,
      falseLeakRateMixedFitOnly: falseLeakMixedOnly / CLEAN_RUNS,
      falseFamilyLeaks,
      passRate: cleanPass / CLEAN_RUNS,
    },
    oneLeakingFamily: {
      runs: LEAK_RUNS,
      bytesPerOp: LEAK_BYTES_PER_OP,
      foundRate: found / LEAK_RUNS,
      foundRateMixedFitOnly: foundMixedOnly / LEAK_RUNS,
      rightFamilyRate: rightFamily / LEAK_RUNS,
      intervalCoverage: intervalHolds / LEAK_RUNS,
    },
  };
});

process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'families',
      meaning:
        'seeded synthetic rotating runs (one family per measured cycle, 3 mixed warm-up cycles, 1000 ops per ' +
        'cycle; floorNoise: σ of each cycle floor). clean: 4 metrics judged (rss noisy, rssAnon = rss, fds ' +
        'and threads flat; cleanStep: plus a one-off 2 MB jump at one cycle), scenario false-LEAK rate with ' +
        'per-family verdicts and with the mixed fit alone. oneLeakingFamily: rss only, one family leaks 128 ' +
        'B/op.',
      results,
      elapsedMs: Date.now() - started,
    },
    null,
    2,
  )}\n`,
);
