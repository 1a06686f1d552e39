import { formatBytes, formatNumber } from '../../core/format.js';
import type { ScenarioReport } from '../../core/report-model.js';
import { html } from './escape.js';

// `--agents`: each remote agent's part of a scenario's load, one row per agent.

export function agentsTable(scenario: ScenarioReport): string {
  const agents = scenario.agents;
  if (agents === undefined || agents.length === 0) return '';
  const head = [
    'agent',
    'host',
    'share',
    // Held clients (mass-connect) or a split pattern's operations (connect-churn …): the agent's share of a cycle.
    'per cycle',
    'processes',
    'operations',
    'failed',
    'rate',
    'peak RSS',
    'CPU',
    'self-check',
  ];
  const rows = agents.map((agent) => {
    const cells = [
      html(agent.name),
      html(`${agent.host} (${agent.address})`),
      `${formatNumber(agent.share * 100)} %`,
      formatNumber(agent.clientsPerCycle),
      String(agent.processes),
      formatNumber(agent.operations),
      formatNumber(agent.failures),
      agent.connectsPerSecond === null ? '—' : `${formatNumber(agent.connectsPerSecond)}/s`,
      html(formatBytes(agent.selfCheck.peakRssBytes)),
      agent.selfCheck.cpuPct === null ? '—' : `${formatNumber(agent.selfCheck.cpuPct)} %`,
      html(
        agent.lost === null
          ? agent.selfCheck.status
          : `lost${agent.lostInCycle === null ? '' : ` in cycle ${agent.lostInCycle + 1}`}: ${agent.lost}`,
      ),
    ];
    return `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
  });
  return (
    `<details open><summary>agents (${agents.length})</summary><div class="table-wrap"><table><thead>` +
    `<tr>${head.map((name) => `<th>${html(name)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div></details>`
  );
}
