// Calibration of the gate's error rates (issue 16): prints one JSON object to stdout.
// (a) Seeded synthetic series: coverage of Sen's interval under serial correlation (plain and
//     conservative correction), and whole `--all`-sized runs of clean shapes (AR(1) drift, GC
//     sawtooth, steps, late-saturating caches) under the stopping rule: how many get any false LEAK,
//     and at which look they decide; leaks (64 B/op, late onset) and how often they are found.
// (b) Real runs: `--reports DIR...` reads mqleak JSON reports of clean brokers and counts the runs
//     with any LEAK, the scenarios decided, and their time to decision.
// Run: node --import tsx bench/calibration.ts [--runs N] [--reports DIR ...]
// Deterministic for (a): every series comes from a seeded PRNG.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { judgeMetric, theilSenDetailed, type MetricSeries, type Verdict } from '../src/analysis/index.js';
import { RUN_ALPHA, scenarioAlpha, sequentialPlan, stopsEarly } from '../src/analysis/sequential.js';
import type { RunReport } from '../src/core/report-model.js';
import { bytesSeries, gaussian, mulberry32, type BytesShape } from '../test/helpers/synthetic.js';
import { readReportFile } from '../src/report/read-report.js';

const MB = 1024 * 1024;
const THRESHOLD = 64;
/** A full --all: 12 scenarios, 4 metrics each (rss, rssAnon, fds, threads; the bytes ones are the hard ones). */
const SCENARIOS = 12;
const METRICS_PER_SCENARIO = 4;
const CAP = 24;

function arg(name: string): string[] {
  const out: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== name) continue;
    for (let j = i + 1; j < argv.length && !(argv[j] as string).startsWith('--'); j++) out.push(argv[j] as string);
  }
  return out;
}

/** Coverage of 95 % intervals over n AR(1) floors at lag-1 correlation rho. */
function coverage(n: number, rho: number, correction: 'plain' | 'conservative', trials: number): number {
  const xs = Array.from({ length: n }, (_, i) => (i + 1) * 1000);
  let covered = 0;
  for (let seed = 1; seed <= trials; seed++) {
    const g = gaussian(mulberry32(seed * 7919 + n));
    let e = g();
    const ys = xs.map((x) => {
      const y = 1e6 + 100 * x + 50_000 * e;
      e = rho * e + Math.sqrt(1 - rho * rho) * g();
      return y;
    });
    const fit = theilSenDetailed(xs, ys, 0.05, { serialCorrection: correction });
    if (fit !== null && fit.ci[0] <= 100 && 100 <= fit.ci[1]) covered++;
  }
  return covered / trials;
}

function upTo(series: MetricSeries, measured: number): MetricSeries {
  const warmup = series.cycles.filter((cycle) => cycle.warmup).length;
  return { ...series, cycles: series.cycles.slice(0, warmup + measured), recoveryFloor: null };
}

/** The stopping rule on one metric of one scenario (the real runner decides on all metrics together; one metric stops no later). */
function sequential(
  series: MetricSeries,
  familyAlpha: number,
): { verdict: Verdict; measured: number; decided: boolean } {
  const plan = sequentialPlan(familyAlpha, CAP);
  const metricAlpha = (k: number): number => (plan.alphas[k] as number) / METRICS_PER_SCENARIO;
  for (const [k, n] of plan.looks.entries()) {
    const judged = judgeMetric(upTo(series, n), {
      thresholdPerOp: THRESHOLD,
      alpha: metricAlpha(k),
      opsPerSecond: 1000,
      serialCorrection: 'conservative',
    });
    if (stopsEarly([judged.verdict])) return { verdict: judged.verdict, measured: n, decided: true };
    if (n === CAP) {
      // The final judgement, with the recovery floor, at the last look's alpha.
      const final = judgeMetric(series, {
        thresholdPerOp: THRESHOLD,
        alpha: metricAlpha(k),
        opsPerSecond: 1000,
        serialCorrection: 'conservative',
      });
      return { verdict: final.verdict, measured: n, decided: final.verdict !== 'inconclusive' };
    }
  }
  throw new Error('the plan ends at the cap');
}

/** Clean shapes a real broker shows, drawn per metric. */
function cleanShape(rand: () => number): { name: string; shapes: BytesShape[]; noise: number } {
  const pick = Math.floor(rand() * 5);
  const noise = (0.02 + 0.2 * rand()) * MB;
  switch (pick) {
    case 0:
      return { name: 'flat', shapes: [{ kind: 'flat' }], noise };
    case 1:
      return { name: 'ar1', shapes: [{ kind: 'ar1', sd: 0.3 * MB, rho: 0.3 + 0.4 * rand() }], noise };
    case 2:
      return {
        name: 'sawtooth',
        shapes: [{ kind: 'sawtooth', amplitude: (1 + 7 * rand()) * MB, periodCycles: 0.5 + 5 * rand() }],
        noise,
      };
    case 3:
      return {
        name: 'step',
        shapes: [{ kind: 'step', size: (4 + 12 * rand()) * MB, atMeasuredCycle: 2 + Math.floor(8 * rand()) }],
        noise,
      };
    default:
      return {
        name: 'late-saturating',
        shapes: [{ kind: 'saturating', amplitude: (4 + 8 * rand()) * MB, fillCycles: 4 + Math.floor(8 * rand()) }],
        noise,
      };
  }
}

function syntheticRuns(runs: number): Record<string, unknown> {
  const familyAlpha = scenarioAlpha(SCENARIOS);
  let runsWithLeak = 0;
  const falseLeakByShape: Record<string, number> = {};
  const undecidedByShape: Record<string, number> = {};
  const decidedAt: number[] = [];
  let undecided = 0;
  let seriesCount = 0;
  for (let run = 0; run < runs; run++) {
    const rand = mulberry32(1_000_003 * (run + 1));
    let anyLeak = false;
    for (let s = 0; s < SCENARIOS * 2; s++) {
      // Two bytes metrics per scenario (rss, rssAnon); counts rarely move on a clean broker.
      const shape = cleanShape(rand);
      const series = bytesSeries({
        seed: Math.floor(rand() * 2 ** 31),
        shapes: shape.shapes,
        noise: shape.noise,
        measuredCycles: CAP,
        opsPerCycle: 5000,
      });
      seriesCount++;
      const result = sequential(series, familyAlpha);
      if (result.verdict === 'leak') {
        anyLeak = true;
        falseLeakByShape[shape.name] = (falseLeakByShape[shape.name] ?? 0) + 1;
      }
      if (result.decided) decidedAt.push(result.measured);
      else {
        undecided++;
        undecidedByShape[shape.name] = (undecidedByShape[shape.name] ?? 0) + 1;
      }
    }
    if (anyLeak) runsWithLeak++;
  }
  decidedAt.sort((a, b) => a - b);
  return {
    runs,
    seriesJudged: seriesCount,
    runsWithAnyFalseLeak: runsWithLeak,
    falseLeakRatePerRun: runsWithLeak / runs,
    falseLeakByShape,
    decided: decidedAt.length,
    undecidedAtCap: undecided,
    undecidedByShape,
    medianMeasuredCyclesToDecision: decidedAt[Math.floor(decidedAt.length / 2)] ?? null,
  };
}

function leakPower(bytesPerOp: number, lateFrom: number | null, trials: number): Record<string, unknown> {
  const familyAlpha = scenarioAlpha(SCENARIOS);
  let leaks = 0;
  let passes = 0;
  const at: number[] = [];
  for (let seed = 1; seed <= trials; seed++) {
    const shapes: BytesShape[] =
      lateFrom === null
        ? [{ kind: 'leak', bytesPerOp }]
        : [{ kind: 'late-leak', bytesPerOp, fromMeasuredCycle: lateFrom }];
    const series = bytesSeries({ seed, shapes, noise: 16 * 1024, measuredCycles: CAP, opsPerCycle: 5000 });
    const result = sequential(series, familyAlpha);
    if (result.verdict === 'leak') {
      leaks++;
      at.push(result.measured);
    }
    if (result.verdict === 'pass') passes++;
  }
  at.sort((a, b) => a - b);
  return {
    bytesPerOp,
    lateFromMeasuredCycle: lateFrom,
    trials,
    leak: leaks,
    pass: passes,
    medianMeasuredCyclesToLeak: at[Math.floor(at.length / 2)] ?? null,
  };
}

async function realRuns(dirs: readonly string[]): Promise<Record<string, unknown> | null> {
  if (dirs.length === 0) return null;
  const reports: { file: string; report: RunReport }[] = [];
  for (const dir of dirs) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(dir, name);
      reports.push({ file, report: await readReportFile(file) });
    }
  }
  const scenarios = reports.flatMap(({ report }) => report.scenarios);
  const decided = scenarios.filter((s) => s.decision?.stopReason === 'decided');
  const times = decided.map((s) => s.decision?.timeToDecisionMs ?? 0).sort((a, b) => a - b);
  return {
    runs: reports.length,
    target: [...new Set(reports.map(({ report }) => report.target?.description ?? 'unknown'))],
    runsWithAnyLeak: reports.filter(({ report }) => report.scenarios.some((s) => s.verdict === 'leak')).length,
    leaks: scenarios
      .filter((s) => s.verdict === 'leak')
      .map((s) => ({ scenario: s.name, metrics: s.metrics.filter((m) => m.verdict === 'leak').map((m) => m.name) })),
    scenarios: scenarios.length,
    verdicts: {
      pass: scenarios.filter((s) => s.verdict === 'pass').length,
      inconclusive: scenarios.filter((s) => s.verdict === 'inconclusive').length,
      leak: scenarios.filter((s) => s.verdict === 'leak').length,
      error: scenarios.filter((s) => s.verdict === 'error').length,
    },
    decided: decided.length,
    medianTimeToDecisionMs: times[Math.floor(times.length / 2)] ?? null,
    runDurationsMs: reports.map(({ report }) => report.durationMs),
  };
}

const started = Date.now();
const runs = Number(arg('--runs')[0] ?? 200);
const coverageTable: Record<string, unknown>[] = [];
for (const n of [8, 12, 24]) {
  for (const rho of [0, 0.3, 0.5, 0.7]) {
    coverageTable.push({
      floors: n,
      rho,
      plain: coverage(n, rho, 'plain', 2000),
      conservative: coverage(n, rho, 'conservative', 2000),
    });
  }
}
const result = {
  runAlpha: RUN_ALPHA,
  falseLeakBudgetPerRun: RUN_ALPHA / 2,
  scenarioAlpha: scenarioAlpha(SCENARIOS),
  coverage95: coverageTable,
  synthetic: {
    cleanRuns: syntheticRuns(runs),
    leaks: [leakPower(64, null, 100), leakPower(128, null, 100), leakPower(256, null, 100), leakPower(256, 8, 100)],
  },
  real: await realRuns(arg('--reports')),
  elapsedMs: Date.now() - started,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
