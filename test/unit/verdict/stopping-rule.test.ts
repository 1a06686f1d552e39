// The stopping rule on a recording: a look stops the scenario only when every metric is PASS.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { CycleReport } from '../../../src/core/report-model.js';
import type { ScenarioRecording } from '../../../src/core/recording.js';
import { METRICS } from '../../../src/core/metrics.js';
import { emptyProtocolFacts } from '../../../src/patterns/shared/protocol-facts.js';
import { judgeScenario } from '../../../src/verdict/judge-scenario.js';
import { judgeLook } from '../../../src/verdict/stopping-rule.js';

const OPS = 5000;
const RSS = METRICS.filter((metric) => metric.name === 'proc.rss');

/** A recording of `measured` measured cycles (3 warm-up) whose rss floor grows `perOp` bytes per op, GC forced. */
function recording(measured: number, perOp: number): ScenarioRecording {
  const cycles: CycleReport[] = Array.from({ length: 3 + measured }, (_, index) => ({
    index,
    warmup: index < 3,
    startMs: index * 6000,
    loadEndMs: index * 6000 + 4000,
    endMs: (index + 1) * 6000,
    operations: OPS,
    cumulativeOps: (index + 1) * OPS,
    failures: 0,
    failureKinds: {},
    gcForced: true,
    floors: { 'proc.rss': 8 * 1024 * 1024 + perOp * (index + 1) * OPS },
  }));
  return {
    startMs: 0,
    endMs: 0,
    phases: [],
    cycles,
    baselineFloors: {},
    recoveryFloors: {},
    failureKinds: {},
    facts: emptyProtocolFacts(),
    error: null,
  };
}

test('floors that do not move: PASS at the first look, the scenario stops', () => {
  const look = judgeLook({ thresholds: {} }, recording(6, 0), [], RSS, 0.02 / 12);
  assert.deepEqual(look, { decided: true, stop: true, undecided: [] });
});

test('a clear leak: decided (LEAK) but the scenario does not stop; it is confirmed up to the cap', () => {
  const look = judgeLook({ thresholds: {} }, recording(6, 1024), [], RSS, 0.02 / 12);
  assert.deepEqual(look, { decided: true, stop: false, undecided: [] });
});

test('too few cycles to judge: undecided, named', () => {
  const look = judgeLook({ thresholds: {} }, recording(2, 0), [], RSS, 0.02 / 12);
  assert.deepEqual(look, { decided: false, stop: false, undecided: ['proc.rss'] });
});

test(
  'a memory LEAK states the recovery window it checked ' + '(freed memory an allocator keeps is never given back)',
  () => {
    const leaky = recording(12, 1024);
    const last = leaky.cycles.at(-1) as CycleReport;
    leaky.phases = [{ name: 'recovery', startMs: last.endMs, endMs: last.endMs + 5000 }];
    leaky.recoveryFloors = { 'proc.rss': last.floors['proc.rss'] as number };
    const [rss] = judgeScenario({ thresholds: {} }, leaky, [], RSS).metrics;
    assert.equal(rss?.verdict, 'leak', rss?.reason);
    assert.equal(rss?.recoveryWindowMs, 5000);
    assert.match(rss?.reason ?? '', /Recovery window checked: 5 s idle/);
    const flat = recording(12, 0);
    flat.phases = leaky.phases;
    const [clean] = judgeScenario({ thresholds: {} }, flat, [], RSS).metrics;
    assert.equal(clean?.verdict, 'pass');
    assert.equal(clean?.recoveryWindowMs, undefined);
  },
);
