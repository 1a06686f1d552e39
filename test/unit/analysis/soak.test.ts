import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { estimateGcPeriod, soakWindowMs, windowMinima, SOAK_WINDOW_GC_PERIODS } from '../../../src/analysis/index.js';
import { rawSawtooth } from '../../helpers/synthetic.js';

const MB = 1024 * 1024;

describe('estimateGcPeriod', () => {
  it('recovers a known sawtooth period within 15 % across periods, noise, jitter and a leak trend', () => {
    for (const periodMs of [5_000, 20_000, 60_000])
      for (const noise of [0, 0.1 * MB, 0.5 * MB])
        for (const jitter of [0, 0.1])
          for (let seed = 1; seed <= 10; seed++) {
            const { ts, values } = rawSawtooth({
              seed,
              periodMs,
              amplitude: 8 * MB,
              noise,
              sampleMs: 500,
              durationMs: 12 * periodMs,
              leakPerMs: 50,
              jitter,
            });
            const p = estimateGcPeriod(ts, values);
            assert.ok(p !== null, `no period for ${periodMs} ms, noise ${noise}, seed ${seed}`);
            assert.ok(
              Math.abs(p - periodMs) <= 0.15 * periodMs,
              `period ${p} for ${periodMs} (noise ${noise}, jitter ${jitter}, seed ${seed})`,
            );
          }
  });
  it('still finds the period when the drops are lost in noise (autocorrelation)', () => {
    let ok = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { ts, values } = rawSawtooth({
        seed,
        periodMs: 20_000,
        amplitude: 8 * MB,
        noise: 2 * MB,
        sampleMs: 500,
        durationMs: 240_000,
      });
      const p = estimateGcPeriod(ts, values);
      if (p !== null && Math.abs(p - 20_000) <= 3_000) ok++;
    }
    assert.ok(ok >= 18, `${ok}/20`);
  });
  it('is null for noise without a rhythm and for too few samples', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { ts, values } = rawSawtooth({
        seed,
        periodMs: 1e12,
        amplitude: 0,
        noise: MB,
        sampleMs: 500,
        durationMs: 120_000,
      });
      assert.equal(estimateGcPeriod(ts, values), null, `seed ${seed}`);
    }
    assert.equal(estimateGcPeriod([0, 1, 2], [3, 1, 3]), null);
    assert.equal(estimateGcPeriod([], []), null);
  });
  it('does not depend on the order of the samples', () => {
    const { ts, values } = rawSawtooth({
      seed: 3,
      periodMs: 10_000,
      amplitude: 4 * MB,
      noise: 0.1 * MB,
      sampleMs: 250,
      durationMs: 120_000,
    });
    const order = ts.map((_, i) => i).reverse();
    const p1 = estimateGcPeriod(ts, values);
    const p2 = estimateGcPeriod(
      order.map((i) => ts[i] as number),
      order.map((i) => values[i] as number),
    );
    assert.equal(p1, p2);
  });
});

describe('windowMinima', () => {
  it('takes the minimum of each window and when it was seen', () => {
    const ts = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const vs = [5, 3, 4, 9, 8, 1, 7, 6, 2, 4, 5];
    assert.deepEqual(windowMinima(ts, vs, 50), [
      { t: 10, value: 3 },
      { t: 50, value: 1 },
    ]);
  });
  it('keeps a trailing window only when the samples cover most of it', () => {
    const ts = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110];
    const vs = [5, 3, 4, 9, 8, 1, 7, 6, 2, 4, 5, 0];
    // windows [0,50) [50,100) [100,150): the last has 10 ms of 50 covered, so it is dropped
    assert.equal(windowMinima(ts, vs, 50).length, 2);
    // with 100 ms windows: [0,100) full and [100,200) covered 10 %: one window
    assert.deepEqual(windowMinima(ts, vs, 100), [{ t: 50, value: 1 }]);
  });
  it('skips empty windows and non-finite samples; empty for bad input', () => {
    const out = windowMinima([0, 5, 300, 305, 399], [4, 2, Number.NaN, 6, 7], 100);
    assert.deepEqual(out, [
      { t: 5, value: 2 },
      { t: 305, value: 6 },
    ]);
    assert.deepEqual(windowMinima([1, 2], [1, 2], 0), []);
    assert.deepEqual(windowMinima([], [], 10), []);
  });
  it('gives one post-GC floor per window of a sawtooth sized from its period', () => {
    const { ts, values } = rawSawtooth({
      seed: 5,
      periodMs: 10_000,
      amplitude: 8 * MB,
      noise: 0.05 * MB,
      sampleMs: 250,
      durationMs: 200_000,
    });
    const period = estimateGcPeriod(ts, values);
    assert.ok(period !== null);
    const w = soakWindowMs(period, 60_000);
    assert.ok(Math.abs(w - SOAK_WINDOW_GC_PERIODS * period) < 1e-9);
    const minima = windowMinima(ts, values, w);
    assert.ok(minima.length >= 9);
    // every window holds a trough: all minima sit near the base, far below the sawtooth's top
    for (const m of minima) assert.ok(m.value < 100 * MB + 1 * MB, `minimum ${m.value - 100 * MB} above base`);
  });
  it('falls back to a fixed window without a period', () => {
    assert.equal(soakWindowMs(null, 60_000), 60_000);
  });
});
