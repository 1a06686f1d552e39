import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { lowFloor, LOW_FLOOR_QUANTILE } from '../../../src/analysis/index.js';

describe('lowFloor', () => {
  it('is null for no usable sample', () => {
    assert.equal(lowFloor([]), null);
    assert.equal(lowFloor([Number.NaN, Number.POSITIVE_INFINITY]), null);
  });
  it('is the value itself for one sample, the lower of two', () => {
    assert.equal(lowFloor([42]), 42);
    assert.equal(lowFloor([50, 40]), 40);
  });
  it('ignores one stray low reading', () => {
    assert.equal(lowFloor([100, 1, 101, 102, 103]), 100);
    assert.equal(lowFloor([100, 101, 5]), 100);
  });
  it('sits near the bottom, not at the median, and ignores upward excursions', () => {
    const values = [100, 180, 101, 150, 102, 300, 103, 104, 250, 105];
    const f = lowFloor(values);
    assert.ok(f !== null && f >= 100 && f <= 102, `floor ${f}`);
  });
  it('uses the low quantile for many samples', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    assert.equal(lowFloor(values), LOW_FLOOR_QUANTILE * 100);
  });
  it('skips non-finite samples and does not mutate its input', () => {
    const values = [103, Number.NaN, 100, 101, 102];
    const copy = [...values];
    assert.equal(lowFloor(values), 101); // the second lowest of the 4 finite samples
    assert.deepEqual(values, copy);
  });
});
