import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { usageError } from '../core/errors.js';
import { PATTERNS } from '../patterns/catalogue.js';
import type { PatternDefinition } from '../patterns/pattern.js';
import type { ParamSpecs, ParamValue, Params } from '../core/params.js';
import { describeAllowed } from './describe-param.js';
import { parseThresholdSpec, type ThresholdSpec } from '../core/threshold-spec.js';
import { parametersSchema, scenarioShapeSchema } from './json-schema.js';
import { RUN_PARAMS, type ThresholdMetric } from './run-params.js';

/** A scenario ready to run: its pattern and every parameter resolved. */
export interface Scenario {
  name: string;
  description: string;
  /** The file it came from. */
  source: string;
  builtin: boolean;
  pattern: PatternDefinition;
  params: Params;
  thresholds: Partial<Record<ThresholdMetric, number>>;
  /** k6-style limits on the results (`limits:`), checked after the run like `--threshold`. */
  limits: ThresholdSpec[];
  quick: boolean;
  /** `attribute: true` in the file: run attribution for it (as `--attribute`). */
  attribute: boolean;
}

interface ScenarioFile {
  name: string;
  description: string;
  pattern: string;
  parameters?: Record<string, unknown>;
  quick?: Record<string, unknown>;
  thresholds?: Partial<Record<ThresholdMetric, number>>;
  limits?: string[];
  attribute?: boolean;
}

const ajv = new Ajv({ allErrors: false, strict: false });
const validateShape = ajv.compile<ScenarioFile>(scenarioShapeSchema());
const parameterValidators = new Map(
  [...PATTERNS.values()].map((pattern) => [pattern.name, ajv.compile(parametersSchema(pattern.params))]),
);

/** The built-in scenario files shipped with the package. */
export const BUILTIN_SCENARIO_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const SCENARIO_EXTENSIONS = ['.yaml', '.yml'];

export async function builtinScenarioNames(): Promise<string[]> {
  const files = await readdir(BUILTIN_SCENARIO_DIR);
  return files
    .filter((file) => SCENARIO_EXTENSIONS.includes(path.extname(file)))
    .map((file) => path.basename(file, path.extname(file)))
    .sort();
}

export function allParamSpecs(pattern: PatternDefinition): ParamSpecs {
  return { ...RUN_PARAMS, ...pattern.params };
}

/** `name` from `mqleak list`, or a path to a scenario file. */
export async function loadScenario(ref: string, quick: boolean): Promise<Scenario> {
  const builtins = await builtinScenarioNames();
  const looksLikePath = ref.includes('/') || SCENARIO_EXTENSIONS.includes(path.extname(ref));
  if (!looksLikePath && !builtins.includes(ref)) {
    throw usageError(
      `unknown scenario '${ref}'`,
      `choose one of: ${builtins.join(', ')} (see \`mqleak list\`), or give a path to a scenario file`,
    );
  }
  const file = looksLikePath ? path.resolve(ref) : path.join(BUILTIN_SCENARIO_DIR, `${ref}.yaml`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(
      `${ref}: cannot read the scenario file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'check the path',
    );
  }
  return parseScenario(text, looksLikePath ? ref : `${ref}.yaml`, !looksLikePath, quick);
}

export function parseScenario(text: string, label: string, builtin: boolean, quick: boolean): Scenario {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos !== undefined ? ` line ${error.linePos[0].line}` : '';
    throw usageError(
      `${label}:${where}: not valid YAML (${(error as Error).message.split('\n')[0]})`,
      'fix the YAML syntax',
    );
  }
  if (!validateShape(data)) throw schemaError(label, validateShape.errors ?? [], shapeAllowed);
  const pattern = PATTERNS.get(data.pattern) as PatternDefinition;
  const specs = allParamSpecs(pattern);
  const validateParams = parameterValidators.get(pattern.name);
  for (const section of ['parameters', 'quick'] as const) {
    const values = data[section];
    if (values !== undefined && validateParams !== undefined && !validateParams(values)) {
      throw schemaError(label, validateParams.errors ?? [], (error) => paramAllowed(specs, error), section);
    }
  }
  const defaults = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.default]));
  const params: Record<string, ParamValue> = {
    ...defaults,
    ...(data.parameters as Params | undefined),
    ...(quick ? (data.quick as Params | undefined) : {}),
  };
  return {
    name: data.name,
    description: data.description,
    source: label,
    builtin,
    pattern,
    params,
    thresholds: { ...(data.thresholds ?? {}) },
    limits: (data.limits ?? []).map((text, index) =>
      parseThresholdSpec(text, `${label}: limits[${index}] '${text}'`, false),
    ),
    quick,
    attribute: data.attribute === true,
  };
}

function schemaError(
  label: string,
  errors: ErrorObject[],
  allowed: (error: ErrorObject) => string,
  section?: string,
): Error {
  const error = errors[0];
  if (error === undefined) return usageError(`${label}: invalid scenario`, 'see schema/scenario.schema.json');
  const field = [section, ...error.instancePath.split('/').filter((part) => part !== '')];
  if (error.keyword === 'additionalProperties') field.push(String(error.params.additionalProperty));
  if (error.keyword === 'required') field.push(String(error.params.missingProperty));
  const fieldPath = field.filter((part) => part !== undefined).join('.') || '(top level)';
  const message =
    error.keyword === 'additionalProperties'
      ? 'is not a known field'
      : error.keyword === 'required'
        ? 'is missing'
        : (error.message ?? 'is invalid');
  return usageError(`${label}: ${fieldPath}: ${message}`, allowed(error));
}

function shapeAllowed(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties' || error.keyword === 'required') {
    return 'a scenario has: name, description, pattern, and optionally parameters, quick, thresholds, limits';
  }
  if (error.instancePath === '/pattern') return `allowed patterns: ${[...PATTERNS.keys()].join(', ')}`;
  if (error.instancePath.startsWith('/thresholds'))
    return 'thresholds are positive numbers per operation for rss, rssAnon, fds, threads';
  if (error.instancePath === '/name') return 'lower-case letters, digits and dashes';
  return 'see schema/scenario.schema.json';
}

function paramAllowed(specs: ParamSpecs, error: ErrorObject): string {
  const name = error.keyword === 'additionalProperties' ? undefined : error.instancePath.split('/')[1];
  const spec = name === undefined ? undefined : specs[name];
  if (spec !== undefined) return `${name}: ${describeAllowed(spec)}`;
  return `known parameters: ${Object.keys(specs).join(', ')}`;
}
