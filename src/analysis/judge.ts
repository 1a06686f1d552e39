// Entry points: one metric's verdict, and the verdict of several together.

import type { JudgeOptions, MetricSeries, MetricVerdict, Verdict } from '../core/verdict-types.js';
import { judgeBytes } from './judge-bytes.js';
import { judgeCount } from './judge-count.js';

/** Judge one metric of one scenario. Pure: the same series and options always give the same verdict. */
export function judgeMetric(series: MetricSeries, options: JudgeOptions): MetricVerdict {
  if (!(options.alpha > 0 && options.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${options.alpha}`);
  if (!Number.isFinite(options.thresholdPerOp))
    throw new RangeError(`thresholdPerOp must be finite, got ${options.thresholdPerOp}`);
  return series.kind === 'count' ? judgeCount(series, options) : judgeBytes(series, options);
}

/** Any LEAK → leak; else any INCONCLUSIVE → inconclusive; else pass. Nothing judged → inconclusive. */
export function combineVerdicts(verdicts: Verdict[]): Verdict {
  if (verdicts.length === 0) return 'inconclusive';
  if (verdicts.includes('leak')) return 'leak';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}
