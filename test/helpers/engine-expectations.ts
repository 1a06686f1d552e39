// What any verdict engine must answer on seeded synthetic series: PASS on clean ones, LEAK on clear
// leaks. Shared by the engine test and the test that plugs in engines that cannot decide, so the
// suite is shown to fail them (test/unit/verdict/engine-expectations.test.ts).

import type { JudgeOptions, MetricSeries, Verdict } from '../../src/analysis/index.js';
import { bytesSeries } from './synthetic.js';

const MB = 1024 * 1024;
const THRESHOLD = 64;

export interface Expectation {
  name: string;
  series: MetricSeries;
  options: JudgeOptions;
  expected: Extract<Verdict, 'pass' | 'leak'>;
}

export type Engine = (series: MetricSeries, options: JudgeOptions) => { verdict: Verdict };

/**
 * Flat floors at low noise must PASS and a leak of 8× δ at low noise must be LEAK: both far from the
 * threshold, so any working engine answers them whatever the seed (seeds 1–10, 24 measured cycles).
 */
export function engineExpectations(): Expectation[] {
  const options: JudgeOptions = { thresholdPerOp: THRESHOLD, alpha: 0.05 / 4, opsPerSecond: 1000 };
  const out: Expectation[] = [];
  for (let seed = 1; seed <= 10; seed++) {
    out.push({
      name: `flat, seed ${seed}`,
      series: bytesSeries({ seed, shapes: [{ kind: 'flat' }], noise: 16 * 1024, measuredCycles: 24 }),
      options,
      expected: 'pass',
    });
    out.push({
      name: `leak 8×δ, seed ${seed}`,
      series: bytesSeries({
        seed,
        shapes: [{ kind: 'leak', bytesPerOp: 8 * THRESHOLD }],
        noise: 0.05 * MB,
        measuredCycles: 24,
      }),
      options,
      expected: 'leak',
    });
  }
  return out;
}

/** The expectations an engine misses, by name with what it said. */
export function missedExpectations(engine: Engine): string[] {
  return engineExpectations()
    .map((e) => ({ e, got: engine(e.series, e.options).verdict }))
    .filter(({ e, got }) => got !== e.expected)
    .map(({ e, got }) => `${e.name}: expected ${e.expected}, got ${got}`);
}
