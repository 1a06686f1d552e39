// The soak verdict on seeded synthetic raw series: a GC sawtooth under continuous load, sampled
// every 100 ms as the sampler does, with or without a linear leak. The window comes from the
// period the data shows; the window minima are judged like cycle floors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_BYTES_THRESHOLD_PER_OP,
  DEFAULT_COUNT_THRESHOLD_PER_OP,
  MIN_JUDGED_CYCLES,
  SOAK_FALLBACK_WINDOW_MS,
  SOAK_MAX_WINDOWS,
  judgeSoakMetric,
  minutesForWindows,
  opsAt,
  planSoakWindow,
  type OpsPoint,
  type SoakMetricInput,
} from '../../../src/analysis/index.js';
import { gaussian, mulberry32, rawSawtooth } from '../../helpers/synthetic.js';

const MB = 1024 * 1024;
const SAMPLE_MS = 100;
/** Operations per ms of load: 1,000 connections per second, what the fixture broker takes. */
const RATE = 1;
const ALPHA = 0.05 / 4;

function ops(durationMs: number): OpsPoint[] {
  return [
    { t: 0, cumulativeOps: 0 },
    { t: durationMs, cumulativeOps: RATE * durationMs },
  ];
}

/** A soak's measured part: a sawtooth (or flat) memory series with a leak of `leakPerOp` at RATE. */
function memoryInput(o: {
  seed: number;
  periodMs: number;
  amplitude: number;
  noise: number;
  durationMs: number;
  leakPerOp: number;
}): SoakMetricInput {
  const { ts, values } = rawSawtooth({
    seed: o.seed,
    periodMs: o.periodMs,
    amplitude: o.amplitude,
    noise: o.noise,
    sampleMs: SAMPLE_MS,
    durationMs: o.durationMs,
    leakPerMs: o.leakPerOp * RATE,
    jitter: 0.1,
  });
  const base = 100 * MB;
  return {
    metric: 'rss',
    kind: 'bytes',
    unit: 'B',
    samples: { ts, values },
    ops: ops(o.durationMs),
    baselineFloor: base,
    // The leak is kept after the load; a collected sawtooth is back at its base.
    recoveryFloor: base + o.leakPerOp * RATE * o.durationMs,
    issues: [],
  };
}

function judge(
  input: SoakMetricInput,
  threshold = DEFAULT_BYTES_THRESHOLD_PER_OP,
): ReturnType<typeof judgeSoakMetric> & { windowMs: number; choice: string } {
  const durationMs = (input.samples.ts.at(-1) ?? 0) - (input.samples.ts[0] ?? 0);
  const plan =
    input.kind === 'bytes'
      ? planSoakWindow({ [input.metric]: input.samples }, durationMs)
      : planSoakWindow({}, durationMs);
  return {
    ...judgeSoakMetric(input, plan.windowMs, { thresholdPerOp: threshold, alpha: ALPHA, opsPerSecond: RATE * 1000 }),
    windowMs: plan.windowMs,
    choice: plan.choice,
  };
}

describe('judgeSoakMetric on a GC sawtooth', () => {
  it('never says LEAK on a clean sawtooth, across periods, noise and seeds', () => {
    const verdicts: Record<string, number> = {};
    for (const periodMs of [2_000, 5_000])
      for (const noise of [0.05 * MB, 0.5 * MB])
        for (let seed = 1; seed <= 10; seed++) {
          const judged = judge(
            memoryInput({ seed, periodMs, amplitude: 16 * MB, noise, durationMs: 120_000, leakPerOp: 0 }),
          );
          verdicts[judged.verdict] = (verdicts[judged.verdict] ?? 0) + 1;
          assert.notEqual(judged.verdict, 'leak', `period ${periodMs}, noise ${noise}, seed ${seed}: ${judged.reason}`);
        }
    // Two minutes of windows rule out 64 B per connection on most of them.
    assert.ok((verdicts.pass ?? 0) >= 30, JSON.stringify(verdicts));
  });

  it('sizes the window from the period found: two periods, each window holding a trough', () => {
    const judged = judge(
      memoryInput({
        seed: 3,
        periodMs: 4_000,
        amplitude: 16 * MB,
        noise: 0.05 * MB,
        durationMs: 120_000,
        leakPerOp: 0,
      }),
    );
    assert.equal(judged.choice, 'gc-period');
    assert.ok(Math.abs(judged.windowMs - 8_000) <= 0.15 * 8_000, `window ${judged.windowMs}`);
    for (const window of judged.windows)
      assert.ok(
        (window.floor as number) < 100 * MB + 2 * MB,
        `floor ${(window.floor as number) - 100 * MB} above base`,
      );
  });

  it('says LEAK on a sawtooth with a linear leak above the detectable size', () => {
    for (const leakPerOp of [256, 1024])
      for (const periodMs of [2_000, 5_000])
        for (let seed = 1; seed <= 10; seed++) {
          const judged = judge(
            memoryInput({ seed, periodMs, amplitude: 16 * MB, noise: 0.3 * MB, durationMs: 120_000, leakPerOp }),
          );
          assert.equal(judged.verdict, 'leak', `leak ${leakPerOp}, period ${periodMs}, seed ${seed}: ${judged.reason}`);
          assert.ok(
            judged.ci !== null && judged.ci[0] <= leakPerOp && leakPerOp <= judged.ci[1] * 1.05,
            `interval ${judged.ci} for ${leakPerOp} B/op`,
          );
          assert.ok(judged.minDetectablePerOp !== null && judged.minDetectablePerOp < leakPerOp);
        }
  });

  it('is underpowered on a short soak and says how many minutes would settle it', () => {
    const judged = judge(
      memoryInput({ seed: 1, periodMs: 5_000, amplitude: 16 * MB, noise: 0.3 * MB, durationMs: 25_000, leakPerOp: 0 }),
    );
    assert.equal(judged.verdict, 'inconclusive');
    assert.equal(judged.reasonCode, 'underpowered');
    assert.ok(judged.minutesNeeded !== null && judged.minutesNeeded >= 1, `minutes ${judged.minutesNeeded}`);
    assert.match(judged.reason, /windows/);
    assert.match(judged.reason, new RegExp(`--soak ${judged.minutesNeeded}m`));
    assert.doesNotMatch(judged.reason, /\bcycles?\b/, 'a soak has windows, not cycles');
    // Enough minutes for the windows the verdict needs.
    assert.ok(judged.minutesNeeded * 60_000 * 0.8 >= MIN_JUDGED_CYCLES * judged.windowMs);
  });
});

describe('judgeSoakMetric without a GC rhythm (a C broker)', () => {
  function flat(seed: number, durationMs: number, leakPerOp: number): SoakMetricInput {
    const gauss = gaussian(mulberry32(seed));
    const ts: number[] = [];
    const values: number[] = [];
    // RSS in 4 KB pages, a little allocator noise.
    for (let t = 0; t <= durationMs; t += SAMPLE_MS) {
      ts.push(t);
      values.push(Math.round((20 * MB + leakPerOp * RATE * t + 64 * 1024 * gauss()) / 4096) * 4096);
    }
    return {
      metric: 'rss',
      kind: 'bytes',
      unit: 'B',
      samples: { ts, values },
      ops: ops(durationMs),
      baselineFloor: 20 * MB,
      recoveryFloor: 20 * MB + leakPerOp * RATE * durationMs,
      issues: [],
    };
  }

  it('falls back to the fixed window and judges it: PASS clean, LEAK at 256 B per operation', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const clean = judge(flat(seed, 60_000, 0));
      assert.equal(clean.choice, 'fallback');
      assert.equal(clean.windowMs, SOAK_FALLBACK_WINDOW_MS);
      assert.equal(clean.verdict, 'pass', clean.reason);
      const leaky = judge(flat(seed, 60_000, 256));
      assert.equal(leaky.verdict, 'leak', leaky.reason);
    }
  });

  it('widens the window on a long soak to keep at most SOAK_MAX_WINDOWS', () => {
    const hours = 2 * 3_600_000;
    const plan = planSoakWindow({ rss: { ts: [0, hours], values: [1, 1] } }, hours);
    assert.equal(plan.windowMs, hours / SOAK_MAX_WINDOWS);
    assert.match(plan.why, /widened/);
  });
});

describe('judgeSoakMetric on counts', () => {
  function fds(seed: number, durationMs: number, leakEvery: number): SoakMetricInput {
    const rand = mulberry32(seed);
    const ts: number[] = [];
    const values: number[] = [];
    // Under churn a handful of connections are open at any time; a leak keeps one fd per `leakEvery` operations.
    for (let t = 0; t <= durationMs; t += SAMPLE_MS) {
      ts.push(t);
      values.push(20 + Math.floor(rand() * 20) + (leakEvery > 0 ? Math.floor((RATE * t) / leakEvery) : 0));
    }
    return {
      metric: 'fds',
      kind: 'count',
      unit: 'fds',
      samples: { ts, values },
      ops: ops(durationMs),
      baselineFloor: 20,
      recoveryFloor: 20 + (leakEvery > 0 ? Math.floor((RATE * durationMs) / leakEvery) : 0),
      issues: [],
    };
  }

  it('judges window minima of a count: flat is not LEAK, one fd per 50 operations is', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const clean = judge(fds(seed, 60_000, 0), DEFAULT_COUNT_THRESHOLD_PER_OP);
      assert.notEqual(clean.verdict, 'leak', clean.reason);
      const leaky = judge(fds(seed, 60_000, 50), DEFAULT_COUNT_THRESHOLD_PER_OP);
      assert.equal(leaky.verdict, 'leak', leaky.reason);
    }
  });
});

describe('soak helpers', () => {
  it('opsAt interpolates between the load points and holds beyond them', () => {
    const points: OpsPoint[] = [
      { t: 0, cumulativeOps: 0 },
      { t: 1000, cumulativeOps: 500 },
      { t: 1500, cumulativeOps: 500 },
      { t: 2500, cumulativeOps: 1500 },
    ];
    assert.equal(opsAt(points, -10), 0);
    assert.equal(opsAt(points, 500), 250);
    assert.equal(opsAt(points, 1200), 500);
    assert.equal(opsAt(points, 2000), 1000);
    assert.equal(opsAt(points, 9999), 1500);
    assert.equal(opsAt([], 5), 0);
  });
  it('minutesForWindows counts the warm-up share and rounds up', () => {
    // 6 windows of 10 s = 60 s measured = 75 s with the warm-up: 2 minutes.
    assert.equal(minutesForWindows(6, 10_000), 2);
    assert.equal(minutesForWindows(1, 1_000), 1);
  });
});
