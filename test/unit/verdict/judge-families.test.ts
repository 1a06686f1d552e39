// No dilution: a scenario that rotates variant families judges each family at its own size, sharing
// the error budget with the mixed fit. Seeded synthetic runs (test/helpers/synthetic-families.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { familyAlphas, FAMILY_BUDGET_SHARE, twoSidedT } from '../../../src/analysis/index.js';
import { METRICS } from '../../../src/core/metrics.js';
import { judgeScenario } from '../../../src/verdict/judge-scenario.js';
import { leakingFamily } from '../../../src/verdict/judge-families.js';
import { familyName, familyRun, type FamilyRunOptions } from '../../helpers/synthetic-families.js';

const RSS_ONLY = METRICS.filter((metric) => metric.name === 'proc.rss');
const SCENARIO = { thresholds: {} };
/** A C broker's floors: a few pages of noise per cycle. */
const C_NOISE = 8 * 1024;
const TWENTY: Omit<FamilyRunOptions, 'seed'> = { families: 20, measuredCycles: 40, floorNoise: C_NOISE };

function judge(options: FamilyRunOptions) {
  const { recording, samples } = familyRun(options);
  return judgeScenario(SCENARIO, recording, samples, RSS_ONLY);
}

describe('per-family verdicts', () => {
  it('one leaking family of twenty at 128 B/op: LEAK at its own size, where the mixed slope reads ~1/20 of it', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const judged = judge({ ...TWENTY, seed, leaks: { 7: 128 } });
      const mixed = judged.metrics[0];
      assert.ok(mixed !== undefined && mixed.perOp !== null);
      assert.ok(mixed.perOp < 64 / 2, `seed ${seed}: the mixed slope ${mixed.perOp} is diluted under δ`);
      assert.ok(Math.abs(mixed.perOp - 128 / 20) < 6, `seed ${seed}: ≈ 128/20 B/op, got ${mixed.perOp}`);
      assert.notEqual(mixed.verdict, 'leak', 'the mixed fit alone misses it');
      assert.equal(judged.verdict, 'leak', `seed ${seed}: the scenario is LEAK`);
      const leaking = judged.families?.find((family) => family.name === familyName(7));
      const rss = leaking?.metrics[0];
      assert.equal(leaking?.verdict, 'leak');
      assert.ok(rss?.ci !== null && rss?.ci !== undefined);
      assert.ok(rss.ci[0] <= 128 && 128 <= rss.ci[1], `seed ${seed}: the interval ${rss.ci} holds 128 B/op`);
      assert.equal(leakingFamily(judged.families)?.name, familyName(7), 'narrowing starts from it');
      const others = judged.families?.filter((family) => family.name !== familyName(7)) ?? [];
      assert.equal(others.length, 19);
      assert.ok(
        others.every((family) => family.verdict === 'pass'),
        `seed ${seed}: every clean family PASS: ${others.map((f) => f.verdict)}`,
      );
    }
  });

  it('a clean rotating run: every family PASS, the scenario PASS', () => {
    for (const seed of [11, 12, 13, 14, 15]) {
      const judged = judge({ ...TWENTY, seed });
      assert.equal(judged.verdict, 'pass', `seed ${seed}: ${judged.metrics[0]?.reason}`);
      assert.ok(judged.families?.every((family) => family.verdict === 'pass'));
    }
  });

  it('a one-off jump in one cycle is no family LEAK', () => {
    for (const seed of [21, 22, 23]) {
      const judged = judge({
        ...TWENTY,
        families: 4,
        measuredCycles: 12,
        seed,
        step: { at: 5, size: 2 * 1024 * 1024 },
      });
      assert.ok(
        judged.families?.every((family) => family.verdict !== 'leak'),
        `seed ${seed}: ${judged.families?.map((f) => f.metrics[0]?.reason).join(' | ')}`,
      );
    }
  });

  it('growth a family takes and the next one gives back is no family LEAK', () => {
    const judged = judge({
      ...TWENTY,
      families: 4,
      measuredCycles: 16,
      seed: 31,
      transient: { family: 2, bytesPerOp: 500 },
    });
    const family = judged.families?.find((entry) => entry.name === familyName(2));
    assert.equal(family?.verdict, 'inconclusive');
    assert.equal(family?.metrics[0]?.reasonCode, 'transient');
    assert.equal(judged.verdict, 'pass', 'the mixed fit sees no growth kept');
  });

  it(
    'a run too short for every family to rotate twice leaves the families INCONCLUSIVE and the mixed verdict ' +
      'standing',
    () => {
      const judged = judge({ ...TWENTY, measuredCycles: 20, seed: 41 });
      assert.equal(judged.verdict, 'pass');
      assert.ok(judged.families?.every((family) => family.verdict === 'inconclusive'));
    },
  );

  it('a run without families has no family reports', () => {
    const judged = judge({ ...TWENTY, families: 1, measuredCycles: 12, seed: 51 });
    assert.equal(judged.families, null);
  });
});

describe('the shared error budget', () => {
  it('splits the scenario alpha between the mixed fit and every family interval (Bonferroni)', () => {
    const alphas = familyAlphas(0.05, 4, 20);
    assert.equal(alphas.mixed, (0.05 * (1 - FAMILY_BUDGET_SHARE)) / 4);
    assert.equal(alphas.perFamily, (0.05 * FAMILY_BUDGET_SHARE) / (4 * 20));
    assert.ok(
      Math.abs(4 * alphas.mixed + 4 * 20 * alphas.perFamily - 0.05) < 1e-12,
      'the total is the scenario budget',
    );
    assert.deepEqual(familyAlphas(0.05, 4, 1), { mixed: 0.05 / 4, perFamily: 0.05 / 4 }, 'no families: as before');
  });

  it("Student's t quantiles match the tables", () => {
    assert.ok(Math.abs(twoSidedT(0.05, 1) - 12.706) < 1e-3);
    assert.ok(Math.abs(twoSidedT(0.05, 10) - 2.228) < 1e-3);
    assert.ok(Math.abs(twoSidedT(0.01, 20) - 2.845) < 1e-3);
    assert.ok(Math.abs(twoSidedT(0.05, 1e6) - 1.96) < 1e-3);
  });
});
