import type { FlowTally } from '../../core/report-model.js';
import { formatNumber } from '../../core/format.js';
import type { BridgeCycleReport, ScenarioReport } from '../../core/report-model.js';

// bridge-churn's lines under its scenario in the terminal summary: where the peer was, how the bridge
// reconnected, and the messages through it summed over every cycle. Not part of the leak verdict.

const EMPTY_FLOW: FlowTally = {
  sent: 0,
  delivered: 0,
  lost: 0,
  sentInOutage: 0,
  lostInOutage: 0,
  duplicated: 0,
  late: 0,
};

function addFlow(a: FlowTally, b: FlowTally): FlowTally {
  return {
    sent: a.sent + b.sent,
    delivered: a.delivered + b.delivered,
    lost: a.lost + b.lost,
    sentInOutage: a.sentInOutage + b.sentInOutage,
    lostInOutage: a.lostInOutage + b.lostInOutage,
    duplicated: a.duplicated + b.duplicated,
    late: a.late + b.late,
  };
}

function flowText(label: string, flow: FlowTally): string {
  const late = flow.late > 0 ? `, ${formatNumber(flow.late)} late` : '';
  return (
    `${label}: ${formatNumber(flow.sent)} sent, ${formatNumber(flow.lost)} lost ` +
    `(${formatNumber(flow.lostInOutage)} of ${formatNumber(flow.sentInOutage)} sent during ` +
    `outages), ${formatNumber(flow.duplicated)} duplicated${late}`
  );
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Lines (indented, not wrapped) for a bridge-churn scenario; none for other scenarios. */
export function bridgeLines(scenario: ScenarioReport): string[] {
  const cycles = scenario.cycles
    .map((cycle) => cycle.bridge)
    .filter((bridge): bridge is BridgeCycleReport => bridge !== undefined);
  const last = cycles.at(-1);
  if (last === undefined) return [];
  const reconnectMs = cycles.flatMap((cycle) => cycle.reconnectMs);
  const reconnects = reconnectMs.length;
  const byHook = cycles.reduce((sum, cycle) => sum + cycle.byHook, 0);
  const refused = cycles.reduce((sum, cycle) => sum + cycle.refusedAttempts, 0);
  const typical = median(reconnectMs);
  const how = [
    byHook > 0 ? `${formatNumber(byHook)} by the restart hook` : '',
    refused > 0 ? `${formatNumber(refused)} attempts refused` : '',
    typical === null ? '' : `median ${formatNumber(typical / 1000)} s from drop to reconnect`,
  ].filter((part) => part !== '');
  return [
    `  bridge: peer ${last.peer}, ${formatNumber(reconnects)} ` +
      `reconnects${how.length > 0 ? ` (${how.join(', ')})` : ''}`,
    `  ${flowText('target→peer', cycles.map((cycle) => cycle.out).reduce(addFlow, EMPTY_FLOW))}`,
    `  ${flowText('peer→target', cycles.map((cycle) => cycle.in).reduce(addFlow, EMPTY_FLOW))}`,
  ];
}
