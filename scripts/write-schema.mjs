// Writes schema/scenario.schema.json from the parameter specs (run after `npm run build`).
import { writeFile } from 'node:fs/promises';
import { publishedScenarioSchema } from '../dist/scenario/json-schema.js';

await writeFile(
  new URL('../schema/scenario.schema.json', import.meta.url),
  `${JSON.stringify(publishedScenarioSchema(), null, 2)}\n`,
);
