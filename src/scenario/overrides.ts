import { usageError } from '../core/errors.js';
import type { ParamSpec, ParamValue } from '../core/params.js';
import { describeAllowed } from './describe-param.js';
import { allParamSpecs, type Scenario } from './load-scenario.js';
import { THRESHOLD_METRICS, type ThresholdMetric } from './run-params.js';

/** One `--set [SCENARIO:]KEY=VALUE`. `thresholds.METRIC` sets δ; a scenario prefix limits it to that scenario. */
export interface Override {
  text: string;
  scenario: string | null;
  key: string;
  value: string;
}

const OVERRIDE_FORM = /^(?:([a-z0-9][a-z0-9-]*):)?([A-Za-z][\w.]*)=(.*)$/;
const THRESHOLD_PREFIX = 'thresholds.';
const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2 };

export function parseOverride(text: string): Override {
  const match = OVERRIDE_FORM.exec(text);
  if (match === null || match[2] === undefined || match[3] === undefined) {
    throw usageError(
      `--set ${text}: expected KEY=VALUE`,
      'e.g. --set cycles=20, --set connect-churn:abruptShare=0.3, --set thresholds.rss=128',
    );
  }
  return { text, scenario: match[1] ?? null, key: match[2], value: match[3] };
}

export function convertParam(name: string, spec: ParamSpec, raw: string, where: string): ParamValue {
  const fail = (): never => {
    throw usageError(`${where}: ${name} must be ${describeAllowed(spec)}`, `${name}: ${spec.description}`);
  };
  let value: ParamValue;
  if (spec.type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') fail();
    value = raw === 'true';
  } else if (spec.type === 'string') {
    value = raw;
    if (spec.enum !== undefined && !spec.enum.includes(raw)) fail();
  } else {
    value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || (spec.type === 'integer' && !Number.isInteger(value))) fail();
    if ((spec.minimum !== undefined && value < spec.minimum) || (spec.maximum !== undefined && value > spec.maximum))
      fail();
  }
  return value;
}

/** "64", "64B", "1KB": a positive number of units per operation. */
export function parseThreshold(raw: string, where: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = BYTE_UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
  const value = match?.[1] === undefined || unit === undefined ? NaN : Number(match[1]) * unit;
  if (!(value > 0))
    throw usageError(
      `${where}: a threshold must be a positive number per operation`,
      'e.g. 64, 64B, 1KB (bytes per op) or 0.01 (fds per op)',
    );
  return value;
}

/** Applies every override to the scenarios it names or knows; each must apply to at least one. */
export function applyOverrides(scenarios: readonly Scenario[], overrides: readonly Override[]): Scenario[] {
  const result = scenarios.map((scenario) => ({
    ...scenario,
    params: { ...scenario.params },
    thresholds: { ...scenario.thresholds },
  }));
  for (const override of overrides) {
    const where = `--set ${override.text}`;
    const targets = result.filter((scenario) => override.scenario === null || scenario.name === override.scenario);
    if (targets.length === 0) {
      throw usageError(
        `${where}: no scenario named '${override.scenario}' in this run`,
        `scenarios in this run: ${scenarios.map((s) => s.name).join(', ')}`,
      );
    }
    if (override.key.startsWith(THRESHOLD_PREFIX)) {
      const metric = override.key.slice(THRESHOLD_PREFIX.length);
      // Bare names (`rss`) are the proc probe's; any probe's metric can be named in full (`sys.heap`, `proc[PID].rss`).
      if (
        !(THRESHOLD_METRICS as readonly string[]).includes(metric) &&
        !/^(?:proc|sys|http|cgroup|cmd|proc\[\d+\])\.[A-Za-z][A-Za-z0-9_]*$/.test(metric)
      ) {
        throw usageError(
          `${where}: no threshold for '${metric}'`,
          `thresholds exist for: ${THRESHOLD_METRICS.join(', ')} and every probe's metric ` +
            `by its full name (proc.rss, sys.heap, http.NAME …)`,
        );
      }
      const value = parseThreshold(override.value, where);
      for (const scenario of targets) scenario.thresholds[metric as ThresholdMetric] = value;
      continue;
    }
    let applied = 0;
    for (const scenario of targets) {
      const spec = allParamSpecs(scenario.pattern)[override.key];
      if (spec === undefined) continue;
      scenario.params = { ...scenario.params, [override.key]: convertParam(override.key, spec, override.value, where) };
      applied++;
    }
    if (applied === 0) {
      const known = new Set(targets.flatMap((scenario) => Object.keys(allParamSpecs(scenario.pattern))));
      throw usageError(
        `${where}: unknown parameter '${override.key}'`,
        `known parameters: ${[...known].join(', ')}, thresholds.METRIC`,
      );
    }
  }
  return result;
}
