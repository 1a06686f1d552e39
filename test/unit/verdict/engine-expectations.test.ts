// The suite can fail: an engine that never decides (always INCONCLUSIVE), or that always says the same
// thing, misses the expectations the real engine meets. Clean-broker integration tests assert PASS for
// the same reason (issue 16: "No test may pass with an engine that always answers INCONCLUSIVE").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { judgeMetric } from '../../../src/analysis/index.js';
import { engineExpectations, missedExpectations, type Engine } from '../../helpers/engine-expectations.js';

const alwaysInconclusive: Engine = () => ({ verdict: 'inconclusive' });
const alwaysPass: Engine = () => ({ verdict: 'pass' });
const alwaysLeak: Engine = () => ({ verdict: 'leak' });

describe('engine expectations', () => {
  it('the real engine meets every one: PASS on clean series, LEAK on clear leaks', () => {
    assert.deepEqual(missedExpectations(judgeMetric), []);
  });

  it('an engine that always answers INCONCLUSIVE misses every one', () => {
    assert.equal(missedExpectations(alwaysInconclusive).length, engineExpectations().length);
  });

  it('engines that always PASS or always LEAK miss half of them', () => {
    const total = engineExpectations().length;
    assert.equal(missedExpectations(alwaysPass).length, total / 2);
    assert.equal(missedExpectations(alwaysLeak).length, total / 2);
  });
});
