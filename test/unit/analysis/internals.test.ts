import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { detectStep } from '../../../src/analysis/step.js';
import { detectWarmupDecay } from '../../../src/analysis/warmup.js';
import { checkRecovery } from '../../../src/analysis/recovery.js';
import { cyclesToSettle, MAX_CYCLES_NEEDED } from '../../../src/analysis/power.js';
import { formatBytes, formatPerOp } from '../../../src/core/format.js';
import { bytesSeries, countSeries, gaussian, mulberry32 } from '../../helpers/synthetic.js';

const xs = (n: number): number[] => Array.from({ length: n }, (_, i) => (i + 1) * 2000);

describe('detectStep', () => {
  it('finds a one-off jump with flat sides, and where it is', () => {
    const g = gaussian(mulberry32(1));
    const ys = xs(12).map((_, i) => (i >= 7 ? 8e6 : 0) + 1e5 * g());
    const s = detectStep(xs(12), ys, { minJump: 0, minSigma: 0 });
    assert.ok(s !== null);
    assert.equal(s.at, 7);
    assert.ok(Math.abs(s.size - 8e6) < 5e5);
  });
  it('does not call a steady climb a step', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const g = gaussian(mulberry32(seed));
      const ys = xs(12).map((x) => 300 * x + 1e5 * g());
      assert.equal(detectStep(xs(12), ys, { minJump: 0, minSigma: 0 }), null, `seed ${seed}`);
    }
  });
  it('ignores jumps below minJump, downward jumps and short series', () => {
    const ys = xs(12).map((_, i) => (i >= 6 ? 1000 : 0));
    assert.equal(detectStep(xs(12), ys, { minJump: 2000, minSigma: 0 }), null);
    assert.equal(
      detectStep(
        xs(12),
        ys.map((y) => -y),
        { minJump: 0, minSigma: 0 },
      ),
      null,
    );
    assert.equal(detectStep(xs(5), [0, 0, 0, 9, 9], { minJump: 0, minSigma: 0 }), null);
  });
});

describe('detectWarmupDecay', () => {
  it('drops early points still approaching the level, up to the cap', () => {
    const ys = xs(12).map((_, i) => 1e8 - 3e7 * Math.exp(-i / 0.8));
    const d = detectWarmupDecay(xs(12), ys, 2, 6, 1000);
    assert.equal(d.dropped, 2);
  });
  it('drops nothing on a steady leak or a flat series', () => {
    const g = gaussian(mulberry32(4));
    assert.equal(
      detectWarmupDecay(
        xs(12),
        xs(12).map((x) => 500 * x + 1e4 * g()),
        2,
        6,
        1000,
      ).dropped,
      0,
    );
    assert.equal(
      detectWarmupDecay(
        xs(12),
        xs(12).map(() => 5e7),
        2,
        6,
        1000,
      ).dropped,
      0,
    );
  });
  it('leaves a level shift longer than the cap whole (for the step check)', () => {
    const ys = xs(24).map((_, i) => (i >= 6 ? 4 : 0));
    assert.equal(detectWarmupDecay(xs(24), ys, 4, 6, 1).dropped, 0);
  });
});

describe('checkRecovery', () => {
  it('computes the retained share and whether the growth came back', () => {
    assert.deepEqual(checkRecovery(100, 200, 190), {
      postWarmupFloor: 100,
      lastFloor: 200,
      recoveryFloor: 190,
      retainedShare: 0.9,
      returned: false,
    });
    assert.equal(checkRecovery(100, 200, 110).returned, true);
    assert.equal(checkRecovery(100, 200, null).returned, false);
    assert.equal(checkRecovery(100, 90, 50).retainedShare, null);
  });
});

describe('cyclesToSettle', () => {
  it('scales with the half-width as n^1.5 and caps', () => {
    // half-width 2× the gap: (2)^(2/3) ≈ 1.587 × 12 → 20 cycles
    assert.equal(cyclesToSettle(12, 20, 110, 100).cycles, 20);
    assert.equal(cyclesToSettle(12, 5, 110, 100).cycles, 12);
    assert.deepEqual(cyclesToSettle(12, 5, 100, 100), { cycles: MAX_CYCLES_NEEDED, capped: true });
    assert.equal(cyclesToSettle(12, 1e9, 100.001, 100).capped, true);
  });
});

describe('format', () => {
  it('formats bytes with B, KB, MB, GB', () => {
    assert.equal(formatBytes(412), '412 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(5.5 * 1024 * 1024), '5.5 MB');
    assert.equal(formatBytes(-2048), '-2 KB');
    assert.equal(formatBytes(3 * 1024 ** 3), '3 GB');
    assert.equal(formatPerOp(12.345, 'B'), '12.3 B/op');
    assert.equal(formatPerOp(0.0005, 'fds'), '0.0005 fds/op');
  });
});

describe('synthetic generator', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = bytesSeries({ seed: 9, shapes: [{ kind: 'flat' }], noise: 1000 });
    const b = bytesSeries({ seed: 9, shapes: [{ kind: 'flat' }], noise: 1000 });
    const c = bytesSeries({ seed: 10, shapes: [{ kind: 'flat' }], noise: 1000 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.deepEqual(countSeries({ seed: 1, closingProb: 0.3 }), countSeries({ seed: 1, closingProb: 0.3 }));
  });
  it('a leak keeps its memory in recovery, a transient gives it back', () => {
    const leak = bytesSeries({ seed: 1, shapes: [{ kind: 'leak', bytesPerOp: 100 }], noise: 0 });
    const transient = bytesSeries({ seed: 1, shapes: [{ kind: 'transient', bytesPerOp: 100 }], noise: 0 });
    assert.equal(leak.recoveryFloor, (leak.baselineFloor as number) + 100 * 15 * 2000);
    assert.equal(transient.recoveryFloor, transient.baselineFloor);
    assert.equal(leak.cycles.length, 15);
    assert.equal(leak.cycles.filter((c) => c.warmup).length, 3);
  });
});
