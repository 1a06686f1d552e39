import path from 'node:path';
import type { RunReport } from '../core/report-model.js';
import { renderJson } from './json/render-json.js';
import { writeFileAtomic } from './write-atomic.js';

/** `reports/mqleak-2026-11-21T10-48-34Z.json`: sortable, one per run, never overwritten by the next. */
export function defaultReportPath(outDir: string, report: RunReport): string {
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
  return path.join(outDir, `mqleak-${stamp}.json`);
}

export async function writeJsonReport(file: string, report: RunReport): Promise<void> {
  await writeFileAtomic(file, renderJson(report));
}

/** Any rendered report (HTML, JUnit): the folder is made when missing; written atomically (write-atomic.ts). */
export async function writeTextReport(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text);
}

/** `reports/mqleak-<start>.html` beside `reports/mqleak-<start>.json`: same base name, another extension. */
export function besidePath(jsonFile: string, extension: string): string {
  const parsed = path.parse(jsonFile);
  return path.join(parsed.dir, `${parsed.name}${extension}`);
}
