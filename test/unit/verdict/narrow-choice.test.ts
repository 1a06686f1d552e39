// What narrowing runs next: the family alone, then its cases one at a time, within the time cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { NarrowingTryReport } from '../../../src/core/report-model.js';
import { nextNarrowStep, shouldNarrow } from '../../../src/verdict/narrow-choice.js';

const CAP = 300_000;
const tryOf = (verdict: NarrowingTryReport['verdict'], caseId?: string, wallMs = 30_000): NarrowingTryReport => ({
  family: 'f',
  ...(caseId === undefined ? {} : { caseId }),
  verdict,
  metric: 'proc.rss',
  perOp: 100,
  ci: [80, 120],
  wallMs,
  answers: {},
});

test('the family alone first; a family that does not leak alone is not reproduced', () => {
  assert.deepEqual(nextNarrowStep({ caseIds: ['a', 'b'], tries: [], elapsedMs: 0, capMs: CAP }), { kind: 'family' });
  assert.deepEqual(nextNarrowStep({ caseIds: ['a', 'b'], tries: [tryOf('pass')], elapsedMs: 30_000, capMs: CAP }), {
    kind: 'done',
    outcome: 'not-reproduced',
    caseId: null,
  });
  assert.equal(
    nextNarrowStep({ caseIds: ['a'], tries: [tryOf('error')], elapsedMs: 1, capMs: CAP }).kind === 'done' &&
      (nextNarrowStep({ caseIds: ['a'], tries: [tryOf('error')], elapsedMs: 1, capMs: CAP }) as { outcome: string })
        .outcome,
    'error',
  );
});

test('a family of one case: its rerun is the case', () => {
  assert.deepEqual(nextNarrowStep({ caseIds: ['only'], tries: [tryOf('leak')], elapsedMs: 1, capMs: CAP }), {
    kind: 'done',
    outcome: 'case',
    caseId: 'only',
  });
});

test('then the cases one by one, until one leaks alone', () => {
  const ids = ['a', 'b', 'c'];
  assert.deepEqual(nextNarrowStep({ caseIds: ids, tries: [tryOf('leak')], elapsedMs: 30_000, capMs: CAP }), {
    kind: 'case',
    caseId: 'a',
  });
  const afterA = [tryOf('leak'), tryOf('pass', 'a')];
  assert.deepEqual(nextNarrowStep({ caseIds: ids, tries: afterA, elapsedMs: 60_000, capMs: CAP }), {
    kind: 'case',
    caseId: 'b',
  });
  assert.deepEqual(
    nextNarrowStep({ caseIds: ids, tries: [...afterA, tryOf('leak', 'b')], elapsedMs: 90_000, capMs: CAP }),
    { kind: 'done', outcome: 'case', caseId: 'b' },
  );
  const none = [...afterA, tryOf('pass', 'b'), tryOf('inconclusive', 'c')];
  assert.deepEqual(nextNarrowStep({ caseIds: ids, tries: none, elapsedMs: 120_000, capMs: CAP }), {
    kind: 'done',
    outcome: 'family',
    caseId: null,
  });
});

test('no try is started that would likely end past the cap', () => {
  assert.deepEqual(
    nextNarrowStep({ caseIds: ['a', 'b'], tries: [tryOf('leak', undefined, 100_000)], elapsedMs: 250_000, capMs: CAP }),
    { kind: 'done', outcome: 'out-of-time', caseId: null },
  );
});

test('narrowing only when the leak is confined: some family PASS, or a family above the whole run', () => {
  const fam = (verdict: 'leak' | 'pass' | 'inconclusive', ci: [number, number]) => ({
    name: 'f',
    verdict,
    cycles: 2,
    operations: 1,
    metrics: [
      {
        name: 'proc.rss',
        unit: 'B',
        verdict,
        reasonCode: 'growth' as const,
        reason: '',
        perOp: ci[0] + 1,
        ci,
        thresholdPerOp: 64,
        cyclesUsed: 2,
        growingCycles: 2,
      },
    ],
  });
  const mixed = [{ name: 'proc.rss', ci: [0, 85] as [number, number] }];
  assert.equal(shouldNarrow([fam('leak', [150, 170]), fam('pass', [-10, 10])], mixed), true);
  assert.equal(shouldNarrow([fam('leak', [150, 170]), fam('inconclusive', [-900, 900])], mixed), true, 'above the run');
  const uniform = [{ name: 'proc.rss', ci: [900, 1100] as [number, number] }];
  assert.equal(shouldNarrow([fam('leak', [800, 1200]), fam('leak', [850, 1150])], uniform), false, 'everywhere');
  assert.equal(shouldNarrow([fam('leak', [800, 1200]), fam('inconclusive', [0, 2000])], uniform), false);
  assert.equal(shouldNarrow([fam('pass', [-1, 1])], mixed), false);
  assert.equal(shouldNarrow(null), false);
  // A noisy broker: every clean family INCONCLUSIVE, the mixed interval wide. The estimate decides, not its upper end.
  const noisy = [{ name: 'proc.rss', ci: [0, 15_000] as [number, number], perOp: 900 }];
  const confined = [fam('leak', [12_000, 20_000]), fam('inconclusive', [-9_000, 9_000])];
  assert.equal(shouldNarrow(confined, noisy), true, 'confined, above the run as a whole');
  const everywhere = [{ name: 'proc.rss', ci: [0, 2_000] as [number, number], perOp: 1_000 }];
  assert.equal(shouldNarrow([fam('leak', [800, 1200]), fam('inconclusive', [0, 2000])], everywhere), false);
});
