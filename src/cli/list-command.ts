import Table from 'cli-table3';
import { formatNumber } from '../core/format.js';
import { estimateScenarioMs } from '../run/plan/estimate.js';
import { builtinScenarioNames, loadScenario } from '../scenario/load-scenario.js';
import type { Streams } from './run-command.js';

/** `mqleak list`: every built-in scenario, one line each, with its default and --quick durations. */
export async function listCommand(flags: { json?: boolean }, io: Streams): Promise<number> {
  const rows = [];
  for (const name of await builtinScenarioNames()) {
    const full = await loadScenario(name, false);
    const quick = await loadScenario(name, true);
    rows.push({
      name,
      description: full.description,
      pattern: full.pattern.name,
      defaultSeconds: Math.round(estimateScenarioMs(full.params, full.pattern) / 1000),
      quickSeconds: Math.round(estimateScenarioMs(quick.params, quick.pattern) / 1000),
    });
  }
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const table = new Table({
    head: ['scenario', 'description', 'default', '--quick'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [22, 60, 10, 10],
  });
  for (const row of rows)
    table.push([
      row.name,
      row.description,
      `~${formatNumber(row.defaultSeconds)} s`,
      `~${formatNumber(row.quickSeconds)} s`,
    ]);
  io.stdout.write(`${table.toString()}\n`);
  return 0;
}
