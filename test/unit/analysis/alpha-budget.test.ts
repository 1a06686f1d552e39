import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  combineVerdicts,
  defaultThresholdPerOp,
  shareAlpha,
  DEFAULT_BYTES_THRESHOLD_PER_OP,
  DEFAULT_COUNT_THRESHOLD_PER_OP,
  DEFAULT_FAMILY_ALPHA,
} from '../../../src/analysis/index.js';

describe('shareAlpha', () => {
  it('splits the family budget evenly (Bonferroni)', () => {
    assert.equal(shareAlpha(0.05, 1), 0.05);
    assert.ok(Math.abs(shareAlpha(0.05, 4) - 0.0125) < 1e-15);
  });
  it('treats fewer than one metric as one and rejects a bad budget', () => {
    assert.equal(shareAlpha(0.05, 0), 0.05);
    assert.equal(shareAlpha(0.05, Number.NaN), 0.05);
    assert.throws(() => shareAlpha(0, 2), RangeError);
    assert.throws(() => shareAlpha(1, 2), RangeError);
  });
  it('keeps the family error at or under the budget', () => {
    for (const m of [1, 2, 3, 4, 7]) assert.ok(m * shareAlpha(DEFAULT_FAMILY_ALPHA, m) <= DEFAULT_FAMILY_ALPHA + 1e-15);
  });
  it('has a conventional default', () => {
    assert.equal(DEFAULT_FAMILY_ALPHA, 0.05);
  });
});

describe('defaultThresholdPerOp', () => {
  it('gives bytes and count defaults by metric and by kind', () => {
    assert.equal(defaultThresholdPerOp('rss', 'bytes'), DEFAULT_BYTES_THRESHOLD_PER_OP);
    assert.equal(defaultThresholdPerOp('rssAnon', 'bytes'), 64);
    assert.equal(defaultThresholdPerOp('fds', 'count'), DEFAULT_COUNT_THRESHOLD_PER_OP);
    assert.equal(defaultThresholdPerOp('threads', 'count'), 0.01);
    assert.equal(defaultThresholdPerOp('heapUsed', 'bytes'), 64);
    assert.equal(defaultThresholdPerOp('sockets', 'count'), 0.01);
    assert.equal(defaultThresholdPerOp('toString', 'bytes'), 64);
  });
});

describe('combineVerdicts', () => {
  it('any leak wins, then inconclusive, then pass', () => {
    assert.equal(combineVerdicts(['pass', 'leak', 'inconclusive']), 'leak');
    assert.equal(combineVerdicts(['pass', 'inconclusive']), 'inconclusive');
    assert.equal(combineVerdicts(['pass', 'pass']), 'pass');
  });
  it('nothing judged is inconclusive', () => {
    assert.equal(combineVerdicts([]), 'inconclusive');
  });
});
