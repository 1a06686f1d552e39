import { PATTERNS } from '../patterns/catalogue.js';
import type { ParamSpec, ParamSpecs } from '../core/params.js';
import { RUN_PARAMS, THRESHOLD_METRICS } from './run-params.js';

// The scenario file's JSON Schema, built from the parameter specs so that validation, the published
// schema (schema/scenario.schema.json, for editors) and the documentation never disagree.

export type JsonSchema = { [key: string]: unknown };

export const SCENARIO_SCHEMA_ID = 'https://github.com/mqleak/mqleak/schema/scenario.schema.json';

function paramSchema(spec: ParamSpec): JsonSchema {
  const schema: JsonSchema = { type: spec.type, description: spec.description, default: spec.default };
  if (spec.minimum !== undefined) schema.minimum = spec.minimum;
  if (spec.maximum !== undefined) schema.maximum = spec.maximum;
  if (spec.enum !== undefined) schema.enum = [...spec.enum];
  return schema;
}

/** The `parameters:` (and `quick:`) object of one pattern: run shape plus the pattern's own knobs. */
export function parametersSchema(patternParams: ParamSpecs): JsonSchema {
  const all: ParamSpecs = { ...RUN_PARAMS, ...patternParams };
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(all).map(([name, spec]) => [name, paramSchema(spec)])),
  };
}

export function thresholdsSchema(): JsonSchema {
  return {
    type: 'object',
    description:
      'growth per operation that counts as a leak (δ), by metric: bytes per op for ' +
      'rss/rssAnon, count per op for fds/threads',
    additionalProperties: false,
    properties: Object.fromEntries(
      THRESHOLD_METRICS.map((metric) => [metric, { type: 'number', exclusiveMinimum: 0 }]),
    ),
  };
}

/** The top level of a scenario file; `parameters` is checked against its pattern in a second step. */
export function scenarioShapeSchema(): JsonSchema {
  return {
    type: 'object',
    required: ['name', 'description', 'pattern'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'scenario name, as given to `mqleak run`' },
      description: { type: 'string', minLength: 1, description: 'one line shown by `mqleak list`' },
      pattern: { enum: [...PATTERNS.keys()], description: 'the failure pattern a cycle runs' },
      parameters: { type: 'object', description: 'run shape and pattern knobs' },
      quick: { type: 'object', description: 'parameters that replace `parameters` under --quick' },
      thresholds: thresholdsSchema(),
      attribute: {
        type: 'boolean',
        description:
          'true: also attribute the growth to allocation sites while this scenario runs (as --attribute; ' +
          'docs/attribution.md)',
      },
      limits: {
        type: 'array',
        description:
          'k6-style limits on the results, checked after the run like --threshold: ' +
          "METRIC<=NUMBER UNIT/op or /h, e.g. 'rss<=64B/op', 'rssAnon<=10MB/h', " +
          "'fds<=0.001/op'",
        items: { type: 'string', minLength: 1 },
      },
    },
  };
}

/** The whole schema, published for editors: the shape plus each pattern's parameters. */
export function publishedScenarioSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCENARIO_SCHEMA_ID,
    title: 'mqleak scenario',
    ...scenarioShapeSchema(),
    allOf: [...PATTERNS.values()].map((pattern) => ({
      if: { properties: { pattern: { const: pattern.name } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
      then: { properties: { parameters: parametersSchema(pattern.params), quick: parametersSchema(pattern.params) } },
    })),
  };
}
