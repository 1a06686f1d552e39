// Benchmark of the verdict on seeded synthetic series: how often it is right, and the smallest
// leak it finds. Prints one JSON object to stdout. Run: npm run bench:verdict
// Deterministic: every series comes from a seeded PRNG, so the figures are the same every run
// (only elapsedMs changes).

import {
  combineFloorViews,
  judgeMetric,
  lowFloor,
  planTroughFloors,
  troughFloors,
  type CycleFloor,
  type MetricSeries,
  type MetricVerdict,
  type Verdict,
} from '../src/analysis/index.js';
import {
  bytesSeries,
  countSeries,
  cycledGcSeries,
  SYNTHETIC_DEFAULTS,
  type BytesShape,
  type CountSeriesOptions,
} from '../test/helpers/synthetic.js';

const KB = 1024;
const MB = 1024 * 1024;

const THRESHOLD_BYTES = 64;
const THRESHOLD_COUNT = 0.01;
const ALPHA = 0.05;
const OPS_PER_SECOND = 2000;

const params = {
  thresholdBytesPerOp: THRESHOLD_BYTES,
  thresholdCountPerOp: THRESHOLD_COUNT,
  alpha: ALPHA,
  warmupCycles: SYNTHETIC_DEFAULTS.warmupCycles,
  noiseBytes: [0, 16 * KB, 64 * KB, 256 * KB, 1 * MB, 4 * MB],
  noiseMeaning:
    'standard deviation of each raw sample in bytes; each floor is lowFloor() of 5 samples ' +
    'in the settle window (floor noise is about 0.67× this)',
  confusion: {
    measuredCycles: [8, 12, 24],
    opsPerCycle: SYNTHETIC_DEFAULTS.opsPerCycle,
    seedsPerCase: 20,
    countClosingProb: 0.15,
    shapes: {
      sawtooth: 'amplitude 1, 4, 16 MB × period 0.2, 3, 7, 20 cycles (given back in recovery: an idle broker collects)',
      warmup:
        'exponential approach of 8, 32, -16 MB with time constant 1 or 2 cycles from load ' +
        'start (3 flagged warm-up cycles)',
      saturating:
        'cache of 4 or 16 MB filling linearly for 6, 8 or 9 cycles from load start, then flat; kept in recovery',
      step: 'one-off jump of 2, 8, 32 MB before measured cycle 3, 6 or 9; kept in recovery',
      transient: '256 or 1024 B/op under load, given back in recovery',
      leak:
        '128, 256, 1024, 4096 B/op kept in recovery; also under a 4 MB/3-cycle sawtooth, ' +
        'after a 16 MB warm-up, and with a 16 MB step at measured cycle 4',
      count:
        'fds with a connection still closing in 15 % of floors: flat; pool of 8 grown in ' +
        'warm-up; one-off step of 4; transient 1 per 1000 ops given back; leaks of 1 per ' +
        '200, 1000, 2000, 4000 ops',
    },
  },
  gcWithoutHook: {
    meaning:
      'a garbage-collected broker nobody can collect, sampled raw under the cycle run ' +
      'model (load then idle; it collects only under load): verdicts on the settle floors ' +
      'alone (as before issue #3) vs what mqleak does (settle floors and post-GC troughs ' +
      'both judged and combined)',
    warmupCycles: 3,
    measuredCycles: 12,
    opsPerCycle: 5000,
    loadMs: 2500,
    settleMs: 2000,
    sampleMs: 100,
    gcEveryOps: [1500, 2400, 4000, 6000],
    garbageBytesPerOp: [4000, 12000],
    gcJitter: 0.1,
    noiseBytes: 256 * KB,
    leakBytesPerOp: [0, 256, 1024],
    seeds: 20,
  },
  minDetectable: {
    measuredCycles: [8, 12, 24, 48],
    opsPerCycle: [2000, 10000],
    seeds: 100,
    leakGridBytesPerOp: [
      68, 72, 80, 96, 112, 128, 160, 192, 256, 320, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192, 16384,
    ],
    detectionRate: 0.9,
  },
};

type Truth = 'leak' | 'clean';
interface Case {
  shape: string;
  truth: Truth;
  count: boolean;
  make: (seed: number, noise: number, measuredCycles: number) => MetricSeries;
}

const bytesCase = (shape: string, truth: Truth, shapes: BytesShape[]): Case => ({
  shape,
  truth,
  count: false,
  make: (seed, noise, measuredCycles) =>
    bytesSeries({ seed, shapes, noise, measuredCycles, opsPerCycle: params.confusion.opsPerCycle }),
});

const countCase = (shape: string, truth: Truth, extra: Omit<CountSeriesOptions, 'seed'>): Case => ({
  shape,
  truth,
  count: true,
  make: (seed, _noise, measuredCycles) =>
    countSeries({
      seed,
      measuredCycles,
      opsPerCycle: params.confusion.opsPerCycle,
      closingProb: params.confusion.countClosingProb,
      ...extra,
    }),
});

function cases(): Case[] {
  const out: Case[] = [bytesCase('flat', 'clean', [{ kind: 'flat' }])];
  for (const amplitude of [1 * MB, 4 * MB, 16 * MB])
    for (const periodCycles of [0.2, 3, 7, 20])
      out.push(bytesCase('sawtooth', 'clean', [{ kind: 'sawtooth', amplitude, periodCycles }]));
  for (const amplitude of [8 * MB, 32 * MB, -16 * MB])
    for (const tauCycles of [1, 2]) out.push(bytesCase('warmup', 'clean', [{ kind: 'warmup', amplitude, tauCycles }]));
  for (const amplitude of [4 * MB, 16 * MB])
    for (const fillCycles of [6, 8, 9])
      out.push(bytesCase('saturating', 'clean', [{ kind: 'saturating', amplitude, fillCycles }]));
  for (const size of [2 * MB, 8 * MB, 32 * MB])
    for (const atMeasuredCycle of [3, 6, 9])
      out.push(bytesCase('step', 'clean', [{ kind: 'step', size, atMeasuredCycle }]));
  for (const bytesPerOp of [256, 1024]) out.push(bytesCase('transient', 'clean', [{ kind: 'transient', bytesPerOp }]));

  for (const bytesPerOp of [128, 256, 1024, 4096]) {
    out.push(bytesCase('leak', 'leak', [{ kind: 'leak', bytesPerOp }]));
    out.push(
      bytesCase('leak+sawtooth', 'leak', [
        { kind: 'leak', bytesPerOp },
        { kind: 'sawtooth', amplitude: 4 * MB, periodCycles: 3 },
      ]),
    );
    out.push(
      bytesCase('leak+warmup', 'leak', [
        { kind: 'leak', bytesPerOp },
        { kind: 'warmup', amplitude: 16 * MB, tauCycles: 2 },
      ]),
    );
    out.push(
      bytesCase('leak+step', 'leak', [
        { kind: 'leak', bytesPerOp },
        { kind: 'step', size: 16 * MB, atMeasuredCycle: 4 },
      ]),
    );
  }

  out.push(countCase('count-flat', 'clean', {}));
  out.push(countCase('count-warmup-pool', 'clean', { warmupRise: 8 }));
  out.push(countCase('count-step', 'clean', { step: { size: 4, atMeasuredCycle: 5 } }));
  out.push(countCase('count-transient', 'clean', { leakEveryOps: 1000, returnsInRecovery: true }));
  for (const leakEveryOps of [200, 1000, 2000, 4000]) out.push(countCase('count-leak', 'leak', { leakEveryOps }));
  return out;
}

type Counts = Record<Verdict, number>;
type TruthCounts = Record<Truth, Counts>;
interface ShapeRow extends Counts {
  truth: Truth;
  reasons: Record<string, number>;
}
const zero = (): Counts => ({ leak: 0, pass: 0, inconclusive: 0 });
const zeroTruth = (): TruthCounts => ({ leak: zero(), clean: zero() });

function confusion(): {
  overall: TruthCounts;
  bytesOnly: TruthCounts;
  countsOnly: TruthCounts;
  byShape: Record<string, ShapeRow>;
  byNoiseBytes: Record<string, TruthCounts>;
  byMeasuredCycles: Record<string, TruthCounts>;
} {
  const overall = zeroTruth();
  const bytesOnly = zeroTruth();
  const countsOnly = zeroTruth();
  const byShape: Record<string, ShapeRow> = {};
  const byNoiseBytes: Record<string, TruthCounts> = {};
  const byMeasuredCycles: Record<string, TruthCounts> = {};
  const { measuredCycles, seedsPerCase } = params.confusion;
  let seedBase = 1;
  for (const c of cases()) {
    const noises = c.count ? [0] : params.noiseBytes;
    for (const noise of noises)
      for (const cycles of measuredCycles)
        for (let s = 0; s < seedsPerCase; s++) {
          const v = judgeMetric(c.make(seedBase + s, noise, cycles), {
            thresholdPerOp: c.count ? THRESHOLD_COUNT : THRESHOLD_BYTES,
            alpha: ALPHA,
            opsPerSecond: OPS_PER_SECOND,
          });
          overall[c.truth][v.verdict]++;
          (c.count ? countsOnly : bytesOnly)[c.truth][v.verdict]++;
          if (!c.count) (byNoiseBytes[String(noise)] ??= zeroTruth())[c.truth][v.verdict]++;
          (byMeasuredCycles[String(cycles)] ??= zeroTruth())[c.truth][v.verdict]++;
          const row = (byShape[c.shape] ??= { truth: c.truth, ...zero(), reasons: {} });
          row[v.verdict]++;
          const key = `${v.verdict}:${v.reasonCode}`;
          row.reasons[key] = (row.reasons[key] ?? 0) + 1;
        }
    seedBase += 1000;
  }
  return { overall, bytesOnly, countsOnly, byShape, byNoiseBytes, byMeasuredCycles };
}

interface MdlRow {
  noiseBytes: number;
  cycles: number;
  opsPerCycle: number;
  /** Smallest leak on the grid flagged LEAK in ≥ 90 % of seeds; null when none on the grid was. */
  minDetectableBytesPerOp: number | null;
  /** Median half-width of the interval on a flat series: what the statistics alone can resolve. */
  medianIntervalHalfWidthFlat: number | null;
  /** Share of flat series (same noise and length) called LEAK. */
  falseLeakRateFlat: number;
  /** Share of flat series called PASS. */
  passRateFlat: number;
}

function minDetectable(): MdlRow[] {
  const p = params.minDetectable;
  const rows: MdlRow[] = [];
  const options = { thresholdPerOp: THRESHOLD_BYTES, alpha: ALPHA, opsPerSecond: OPS_PER_SECOND };
  for (const noise of params.noiseBytes)
    for (const cycles of p.measuredCycles)
      for (const opsPerCycle of p.opsPerCycle) {
        let found: number | null = null;
        for (const bytesPerOp of p.leakGridBytesPerOp) {
          let leaks = 0;
          for (let seed = 1; seed <= p.seeds; seed++) {
            const s = bytesSeries({
              seed: 7_000_000 + seed,
              shapes: [{ kind: 'leak', bytesPerOp }],
              noise,
              measuredCycles: cycles,
              opsPerCycle,
            });
            if (judgeMetric(s, options).verdict === 'leak') leaks++;
          }
          if (leaks >= p.detectionRate * p.seeds) {
            found = bytesPerOp;
            break;
          }
        }
        let falseLeaks = 0;
        let passes = 0;
        const halfWidths: number[] = [];
        for (let seed = 1; seed <= p.seeds; seed++) {
          const v = judgeMetric(
            bytesSeries({
              seed: 9_000_000 + seed,
              shapes: [{ kind: 'flat' }],
              noise,
              measuredCycles: cycles,
              opsPerCycle,
            }),
            options,
          );
          if (v.verdict === 'leak') falseLeaks++;
          if (v.verdict === 'pass') passes++;
          if (v.minDetectablePerOp !== null) halfWidths.push(v.minDetectablePerOp);
        }
        halfWidths.sort((a, b) => a - b);
        const mid = halfWidths.length > 0 ? (halfWidths[Math.floor(halfWidths.length / 2)] as number) : null;
        rows.push({
          noiseBytes: noise,
          cycles,
          opsPerCycle,
          minDetectableBytesPerOp: found,
          medianIntervalHalfWidthFlat: mid === null ? null : Math.round(mid * 10) / 10,
          falseLeakRateFlat: falseLeaks / p.seeds,
          passRateFlat: passes / p.seeds,
        });
      }
  return rows;
}

interface GcRow {
  gcEveryOps: number;
  garbageBytesPerOp: number;
  leakBytesPerOp: number;
  /** Verdicts on the settle floors alone, at the full error budget. */
  settleOnly: Counts;
  /** Verdicts as mqleak gives them without a GC hook: both views judged and combined. */
  mqleak: Counts;
  /** How many runs had trough floors (collections were seen and the window fits the run). */
  troughFloorsUsed: number;
}

/** The uncollected-GC comparison: the same raw runs judged on settle floors and on trough floors. */
function gcWithoutHook(): GcRow[] {
  const p = params.gcWithoutHook;
  const rows: GcRow[] = [];
  const cycles = p.warmupCycles + p.measuredCycles;
  const options = { thresholdPerOp: THRESHOLD_BYTES, alpha: ALPHA, opsPerSecond: p.opsPerCycle / (p.loadMs / 1000) };
  for (const gcEveryOps of p.gcEveryOps)
    for (const garbageBytesPerOp of p.garbageBytesPerOp)
      for (const leakBytesPerOp of p.leakBytesPerOp) {
        const row: GcRow = {
          gcEveryOps,
          garbageBytesPerOp,
          leakBytesPerOp,
          settleOnly: zero(),
          mqleak: zero(),
          troughFloorsUsed: 0,
        };
        for (let seed = 1; seed <= p.seeds; seed++) {
          const run = cycledGcSeries({
            seed: 11_000_000 + seed,
            cycles,
            opsPerCycle: p.opsPerCycle,
            loadMs: p.loadMs,
            settleMs: p.settleMs,
            sampleMs: p.sampleMs,
            gcEveryOps,
            garbagePerOp: garbageBytesPerOp,
            leakPerOp: leakBytesPerOp,
            noise: p.noiseBytes,
            jitter: p.gcJitter,
          });
          const judge = (floors: (number | null)[], alpha: number): MetricVerdict => {
            const cs: CycleFloor[] = run.cycles.map((c, i) => ({
              index: i,
              warmup: i < p.warmupCycles,
              cumulativeOps: c.cumulativeOps,
              floor: floors[i] ?? null,
              endMs: c.endMs,
            }));
            return judgeMetric(
              {
                metric: 'rss',
                kind: 'bytes',
                unit: 'B',
                cycles: cs,
                baselineFloor: null,
                recoveryFloor: run.values.at(-1) ?? null,
                issues: [],
              },
              { ...options, alpha },
            );
          };
          // The runner's settle floor: lowFloor over the second half of the idle window.
          const settle = run.cycles.map((c) =>
            lowFloor(
              run.values.filter(
                (_, i) => (run.ts[i] as number) >= (c.loadEndMs + c.endMs) / 2 && (run.ts[i] as number) <= c.endMs,
              ),
            ),
          );
          const settleOnly = judge(settle, ALPHA);
          row.settleOnly[settleOnly.verdict]++;
          const plan = planTroughFloors(
            run.cycles,
            run.ts,
            run.values,
            p.measuredCycles,
            THRESHOLD_BYTES * p.opsPerCycle,
          );
          if (plan.windowCycles === null) {
            row.mqleak[settleOnly.verdict]++;
          } else {
            row.troughFloorsUsed++;
            const troughs = troughFloors(run.cycles, run.ts, run.values, plan.windowCycles);
            row.mqleak[combineFloorViews(judge(settle, ALPHA), judge(troughs, ALPHA)).verdict.verdict]++;
          }
        }
        rows.push(row);
      }
  return rows;
}

const started = process.hrtime.bigint();
const confusionMatrix = confusion();
const minDetectableLeak = minDetectable();
const gcWithoutHookRows = gcWithoutHook();
const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;

const output = {
  benchmark: 'verdict',
  confusionMatrix,
  minDetectableLeak,
  gcWithoutHook: gcWithoutHookRows,
  params,
  elapsedMs: Math.round(elapsedMs),
};
process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
