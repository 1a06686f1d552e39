import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  lag1Autocorrelation,
  rankLag1Autocorrelation,
  residualAutocorrelation,
  theilSenDetailed,
} from '../../../src/analysis/index.js';
import { gaussian, mulberry32 } from '../../helpers/synthetic.js';

const MB = 1024 * 1024;

function ar1(seed: number, n: number, rho: number): number[] {
  const g = gaussian(mulberry32(seed));
  let e = g();
  return Array.from({ length: n }, () => (e = rho * e + Math.sqrt(1 - rho * rho) * g()));
}

/**
 * Flat floors with ±0.15 MB noise and one 6 MB dip over two neighbouring cycles (measured on Aedes with a forced GC).
 */
function dipFloors(seed: number): { xs: number[]; ys: number[] } {
  const g = gaussian(mulberry32(seed));
  const xs = Array.from({ length: 12 }, (_, i) => (i + 4) * 2000);
  const ys = xs.map((_, i) => 80 * MB + 0.15 * MB * g() - (i === 7 || i === 8 ? 6 * MB : 0));
  return { xs, ys };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

describe('rank-based lag-1 autocorrelation', () => {
  it('estimates the same ρ as the ordinary one on Gaussian AR(1) noise', () => {
    for (const rho of [0, 0.3, 0.6]) {
      const rank: number[] = [];
      const ordinary: number[] = [];
      for (let seed = 1; seed <= 50; seed++) {
        const e = ar1(seed, 400, rho);
        rank.push(rankLag1Autocorrelation(e));
        ordinary.push(lag1Autocorrelation(e));
      }
      assert.ok(Math.abs(mean(rank) - rho) < 0.03, `rank ${mean(rank)} for ρ = ${rho}`);
      assert.ok(Math.abs(mean(rank) - mean(ordinary)) < 0.03);
    }
  });
  it('handles ties, constants and short series', () => {
    assert.equal(rankLag1Autocorrelation([5, 5, 5, 5]), 0);
    assert.equal(rankLag1Autocorrelation([1, 2]), 0);
    assert.ok(rankLag1Autocorrelation([1, 2, 3, 4, 5, 6, 7, 8]) > 0.5);
    assert.ok(rankLag1Autocorrelation([1, -1, 1, -1, 1, -1, 1, -1]) < -0.8);
  });
  it('is not owned by two wild neighbouring residuals, as the ordinary estimate is', () => {
    const ordinary: number[] = [];
    const rank: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const { xs, ys } = dipFloors(seed);
      const fit = theilSenDetailed(xs, ys, 0.0125);
      assert.ok(fit !== null);
      ordinary.push(lag1Autocorrelation(fit.residuals));
      rank.push(rankLag1Autocorrelation(fit.residuals));
      assert.equal(fit.residualLag1, residualAutocorrelation(fit.residuals));
      assert.equal(fit.residualLag1, Math.min(ordinary.at(-1) as number, rank.at(-1) as number));
    }
    assert.ok(mean(ordinary) > 0.3, `ordinary ${mean(ordinary)}`);
    assert.ok(mean(rank) < 0.15, `rank ${mean(rank)}`);
  });
});

describe('Sen interval on floors with a two-cycle dip', () => {
  it('mostly stays within a few hundred B/op (the ordinary estimate alone gave ±830 on median)', () => {
    const halfWidths: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const { xs, ys } = dipFloors(seed);
      const fit = theilSenDetailed(xs, ys, 0.0125);
      assert.ok(fit !== null);
      halfWidths.push(fit.halfWidth);
      assert.ok(fit.ci[0] < 64, 'never a leak');
    }
    halfWidths.sort((a, b) => a - b);
    assert.ok((halfWidths[10] as number) < 300, `median ±${halfWidths[10]} B/op`);
    assert.ok(halfWidths.filter((w) => w < 500).length >= 16, halfWidths.map((w) => w.toFixed(0)).join(' '));
  });
});
