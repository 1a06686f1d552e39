// The published report schema lets readers ignore unknown fields; the tests must not: every field
// mqleak writes has to be described in schema/report.schema.json.

type Schema = { [key: string]: unknown };

/** The schema with `additionalProperties: false` wherever it lists properties and says nothing else. */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema as Schema)) {
    // Inside `properties` and `definitions` the keys are names, not keywords: recurse into each value.
    if (key === 'properties' || key === 'definitions') {
      out[key] = Object.fromEntries(
        Object.entries(value as Schema).map(([name, inner]) => [name, strictSchema(inner)]),
      );
    } else {
      out[key] = strictSchema(value);
    }
  }
  if (out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}
