// Sensitivity in every verdict: the smallest leak the run could have called LEAK.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { judgeMetric } from '../../../src/analysis/index.js';
import { judgedFigures } from '../../../src/verdict/judged-figures.js';
import { bytesSeries } from '../../helpers/synthetic.js';

const MB = 1024 * 1024;
const OPTIONS = { thresholdPerOp: 64, alpha: 0.05 / 4, opsPerSecond: 1000 };

test(
  'sensitivity is δ plus the distance from the estimate down to the interval, ' + 'and a leak of that size is LEAK',
  () => {
    const flat = judgeMetric(bytesSeries({ seed: 3, shapes: [{ kind: 'flat' }], noise: 0.1 * MB }), OPTIONS);
    const figures = judgedFigures(flat, 'bytes', 64, 1000);
    assert.ok(flat.ci !== null && flat.perOp !== null);
    assert.equal(figures.sensitivityPerOp, 64 + (flat.perOp - flat.ci[0]));
    // Twice the sensitivity, same noise and seed: its interval clears δ.
    const size = 2 * (figures.sensitivityPerOp as number);
    const leak = judgeMetric(
      bytesSeries({ seed: 3, shapes: [{ kind: 'leak', bytesPerOp: size }], noise: 0.1 * MB }),
      OPTIONS,
    );
    assert.equal(leak.verdict, 'leak', leak.reason);
  },
);

test('no interval, no sensitivity', () => {
  const none = judgeMetric(bytesSeries({ seed: 3, shapes: [{ kind: 'flat' }], noise: 0, measuredCycles: 2 }), OPTIONS);
  assert.equal(judgedFigures(none, 'bytes', 64, 1000).sensitivityPerOp, null);
});
