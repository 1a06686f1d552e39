import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  normalQuantile,
  theilSen,
  theilSenDetailed,
  lag1Autocorrelation,
  effectiveSampleSize,
  MAX_RESIDUAL_AUTOCORRELATION,
} from '../../../src/analysis/index.js';
import { gaussian, mulberry32 } from '../../helpers/synthetic.js';

const ops = (n: number, perCycle = 2000): number[] => Array.from({ length: n }, (_, i) => (i + 1) * perCycle);

describe('normalQuantile (Acklam)', () => {
  it('matches reference values of the standard normal', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [0.975, 1.959963984540054],
      [0.95, 1.6448536269514722],
      [0.995, 2.5758293035489004],
      [0.001, -3.090232306167813],
      [1e-6, -4.753424308822899],
    ];
    for (const [p, z] of cases)
      assert.ok(Math.abs(normalQuantile(p) - z) < 1e-8, `p=${p}: ${normalQuantile(p)} vs ${z}`);
  });
  it('is antisymmetric and handles the ends', () => {
    for (const p of [0.01, 0.2, 0.4]) assert.ok(Math.abs(normalQuantile(p) + normalQuantile(1 - p)) < 1e-9);
    assert.equal(normalQuantile(0), Number.NEGATIVE_INFINITY);
    assert.equal(normalQuantile(1), Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(normalQuantile(Number.NaN)));
  });
});

describe('theilSen', () => {
  it('gives the exact slope and intercept of a noiseless line, with a zero-width interval', () => {
    const xs = ops(12);
    const ys = xs.map((x) => 5_000_000 + 73.5 * x);
    const fit = theilSen(xs, ys, 0.05);
    assert.ok(fit !== null);
    assert.ok(Math.abs(fit.slope - 73.5) < 1e-9);
    assert.ok(Math.abs(fit.intercept - 5_000_000) < 1e-6);
    assert.ok(Math.abs(fit.ci[0] - 73.5) < 1e-9 && Math.abs(fit.ci[1] - 73.5) < 1e-9);
  });

  it('returns null below 3 usable points and skips non-finite pairs', () => {
    assert.equal(theilSen([1, 2], [1, 2], 0.05), null);
    assert.equal(theilSen([], [], 0.05), null);
    assert.equal(theilSen([1, 2, 3], [1, Number.NaN, 3], 0.05), null);
    const fit = theilSen([1, 2, 3, 4], [2, Number.NaN, 6, 8], 0.05);
    assert.ok(fit !== null && Math.abs(fit.slope - 2) < 1e-12);
  });

  it('ignores pairs with equal x (no slope) and rejects bad input', () => {
    const fit = theilSen([1, 1, 2, 3, 4], [0, 10, 2, 3, 4], 0.05);
    assert.ok(fit !== null);
    assert.throws(() => theilSen([1, 2, 3], [1, 2], 0.05), RangeError);
    assert.throws(() => theilSen([1, 2, 3], [1, 2, 3], 0), RangeError);
  });

  it('is robust to one wild point', () => {
    const xs = ops(12);
    const ys = xs.map((x) => 1e6 + 100 * x);
    ys[5] = (ys[5] as number) + 50e6;
    const fit = theilSen(xs, ys, 0.05);
    assert.ok(fit !== null && Math.abs(fit.slope - 100) < 1e-9);
  });

  it("Sen's interval covers the true slope in at least 90 % of 400 seeded trials (iid noise)", () => {
    const xs = ops(12);
    let covered = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const g = gaussian(mulberry32(seed));
      const ys = xs.map((x) => 1e6 + 100 * x + 50_000 * g());
      const fit = theilSen(xs, ys, 0.05);
      assert.ok(fit !== null);
      if (fit.ci[0] <= 100 && 100 <= fit.ci[1]) covered++;
    }
    const coverage = covered / 400;
    assert.ok(coverage >= 0.9, `coverage ${coverage}`);
    assert.ok(coverage <= 0.995, `coverage ${coverage}: the interval says nothing`);
  });

  it('narrows as the alpha grows', () => {
    const g = gaussian(mulberry32(7));
    const xs = ops(24);
    const ys = xs.map((x) => 1e6 + 100 * x + 50_000 * g());
    const wide = theilSen(xs, ys, 0.01);
    const narrow = theilSen(xs, ys, 0.2);
    assert.ok(wide !== null && narrow !== null);
    assert.ok(wide.ci[1] - wide.ci[0] > narrow.ci[1] - narrow.ci[0]);
  });

  it('widens the interval for autocorrelated residuals, restoring coverage', () => {
    const xs = ops(24);
    let coveredAdj = 0;
    let coveredRaw = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const g = gaussian(mulberry32(10_000 + seed));
      let e = 0;
      const ys = xs.map((x) => {
        e = 0.5 * e + Math.sqrt(1 - 0.25) * g();
        return 1e6 + 100 * x + 50_000 * e;
      });
      const adj = theilSenDetailed(xs, ys, 0.05);
      const raw = theilSenDetailed(xs, ys, 0.05, { adjustForAutocorrelation: false });
      assert.ok(adj !== null && raw !== null);
      assert.ok(adj.halfWidth >= raw.halfWidth - 1e-12);
      if (adj.ci[0] <= 100 && 100 <= adj.ci[1]) coveredAdj++;
      if (raw.ci[0] <= 100 && 100 <= raw.ci[1]) coveredRaw++;
    }
    assert.ok(coveredAdj > coveredRaw + 20, `adjusted ${coveredAdj} vs raw ${coveredRaw}`);
    assert.ok(coveredAdj / 400 >= 0.85, `adjusted coverage ${coveredAdj / 400}`);
  });
});

describe('autocorrelation helpers', () => {
  it('lag-1 autocorrelation of simple series', () => {
    assert.equal(lag1Autocorrelation([1, 1, 1, 1]), 0);
    assert.equal(lag1Autocorrelation([1, 2]), 0);
    assert.ok(lag1Autocorrelation([1, -1, 1, -1, 1, -1, 1, -1]) < -0.8);
    assert.ok(lag1Autocorrelation([1, 2, 3, 4, 5, 6, 7, 8]) > 0.5);
  });
  it('effective sample size only shrinks for positive correlation, capped', () => {
    assert.equal(effectiveSampleSize(12, -0.5), 12);
    assert.equal(effectiveSampleSize(12, 0), 12);
    assert.ok(Math.abs(effectiveSampleSize(12, 0.5) - 4) < 1e-12);
    const capped = (12 * (1 - MAX_RESIDUAL_AUTOCORRELATION)) / (1 + MAX_RESIDUAL_AUTOCORRELATION);
    assert.ok(Math.abs(effectiveSampleSize(12, 0.99) - capped) < 1e-12);
  });
});
