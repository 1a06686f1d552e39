import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Params } from '../core/params.js';
import { parseScenario, type Scenario } from '../scenario/load-scenario.js';

// The scenario file narrowing writes: the existing scenario format (schema/scenario.schema.json), with the
// pattern's params restricted to the leaking case and the run shape narrowing measured it with, so that
// `mqleak run FILE` reproduces only that case.

/** `rejected-connect` + `bad-password+will` → `rejected-connect-bad-password-will`: a scenario name (^[a-z0-9][a-z0-9-]*$). */
export function reproName(scenario: string, caseId: string): string {
  const slug = `${scenario}-${caseId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return slug === '' ? 'narrowed-case' : slug;
}

export function reproText(scenario: Scenario, caseId: string, description: string, params: Params): string {
  const header = [
    `# Written by mqleak's narrowing: ${scenario.name} leaked, and this case alone reproduces it.`,
    `# ${description}`,
    `# Run it: mqleak run <this file> --broker ... (add the --pid, --username/--password the original run had).`,
  ].join('\n');
  const body = stringify({
    name: reproName(scenario.name, caseId),
    description: `${scenario.name}, narrowed to ${caseId}`,
    pattern: scenario.pattern.name,
    parameters: params,
    ...(Object.keys(scenario.thresholds).length === 0 ? {} : { thresholds: scenario.thresholds }),
  });
  return `${header}\n${body}`;
}

/** Writes the file into `dir` and checks it loads as a scenario; returns its path. */
export async function writeReproFile(
  dir: string,
  scenario: Scenario,
  caseId: string,
  description: string,
  params: Params,
): Promise<string> {
  const text = reproText(scenario, caseId, description, params);
  const file = path.join(dir, `${reproName(scenario.name, caseId)}.yaml`);
  parseScenario(text, file, false, false); // throws a usage error if mqleak wrote something it cannot read back
  await mkdir(dir, { recursive: true });
  await writeFile(file, text, 'utf8');
  return file;
}
