import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { usageError } from '../core/errors.js';
import { isPackedSeries, unpackSeries } from './json/packed-series.js';
import { withNamespacedMetrics } from './legacy-names.js';
import { SCHEMA_VERSION, type RunReport } from '../core/report-model.js';

// Reports kept from earlier runs (`mqleak report`, `mqleak compare`): read, checked against the
// published JSON Schema, and refused in one line naming the file when they are not mqleak reports.

/** schema/report.schema.json, shipped in the package (two folders up from both src/report and dist/report). */
export const REPORT_SCHEMA_FILE = new URL('../../schema/report.schema.json', import.meta.url);

export function reportSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(REPORT_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
}

let validator: ValidateFunction<RunReport> | null = null;

function validate(): ValidateFunction<RunReport> {
  // Formats (date-time) document the fields; checking them would need another package for nothing.
  validator ??= new Ajv({ strict: false, allErrors: false, validateFormats: false }).compile<RunReport>(reportSchema());
  return validator;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(top level)' : error.instancePath.slice(1).replaceAll('/', '.');
  return `${where}: ${error.message ?? 'is invalid'}`;
}

/** Checks parsed JSON against the report schema; throws a usage error (exit 64) naming `label`. */
export function checkReport(data: unknown, label: string): RunReport {
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw usageError(
      `${label}: report schemaVersion ${version} is newer than this mqleak reads (${SCHEMA_VERSION})`,
      'use the mqleak version that wrote it, or a newer one',
    );
  }
  const check = validate();
  if (!check(data)) {
    const first = check.errors?.[0];
    throw usageError(
      `${label}: not a valid mqleak report: ${first === undefined ? 'invalid' : describe(first)}`,
      'give a JSON report written by `mqleak run` (see schema/report.schema.json)',
    );
  }
  return withNamespacedMetrics(withUnpackedSeries(data, label));
}

const SERIES_FIELDS = ['samples', 'selfSamples'] as const;

/** Packed series (schemaVersion ≥ 2) back to sample arrays; version 1 wrote them as arrays, left as they are. */
function withUnpackedSeries(report: RunReport, label: string): RunReport {
  return {
    ...report,
    scenarios: report.scenarios.map((scenario, index) => {
      const unpacked = { ...scenario };
      for (const field of SERIES_FIELDS) {
        const series: unknown = scenario[field];
        if (!isPackedSeries(series)) continue;
        try {
          unpacked[field] = unpackSeries(series);
        } catch (error) {
          throw usageError(
            `${label}: not a valid mqleak report: scenarios.${index}.${field}: ${(error as Error).message}`,
            'give a JSON report written by `mqleak run` (see schema/report.schema.json)',
          );
        }
      }
      return unpacked;
    }),
  };
}

/** Reads and checks a saved report; unreadable, not JSON or not a report: a usage error naming the file. */
export async function readReportFile(file: string): Promise<RunReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(
      `${file}: cannot read the report (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'check the path',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw usageError(
      `${file}: not JSON (${(error as Error).message.split('\n')[0]})`,
      'give a JSON report written by `mqleak run`',
    );
  }
  return checkReport(data, file);
}
