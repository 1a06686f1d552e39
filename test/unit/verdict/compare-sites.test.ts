// `compare` on attribution sites: heaptrack stacks match by their top frames with addresses blanked; constructors
// from heap snapshots match by name (their retainer path is one instance's, it changes from run to run).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AttributionSite, AttributionTool, RunReport, ScenarioReport } from '../../../src/core/report-model.js';
import { compareSites } from '../../../src/verdict/compare-sites.js';
import { REPO_ROOT } from '../../helpers/brokers.js';

const real = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/reports/quick-leak.json'), 'utf8')) as RunReport
).scenarios[0] as ScenarioReport;

function site(label: string, frames: string[], ci: [number, number]): AttributionSite {
  const perOp = (ci[0] + ci[1]) / 2;
  return {
    rank: 1,
    label,
    frames,
    verdict: 'leak',
    reason: '',
    bytesPerOp: perOp,
    ci,
    liveBytes: 0,
    shareOfRss: null,
    symbolized: true,
  };
}

function withSites(tool: AttributionTool, sites: AttributionSite[]): ScenarioReport {
  return {
    ...real,
    attribution: {
      tool,
      status: 'ok',
      note: '',
      verdictOfRecord: 'instrumented',
      opsPerSecond: { instrumented: null, plain: null },
      rssBytesPerOp: null,
      explainedShare: null,
      sitesJudged: sites.length,
      sites,
      hints: [],
    },
  };
}

test('heaptrack: the same stack at other addresses is the same site; a grown interval is reported', () => {
  const base = withSites('heaptrack', [site('leak_one', ['leak_one in a.so', '0x5561aa in mosquitto'], [90, 110])]);
  const same = withSites('heaptrack', [site('leak_one', ['leak_one in a.so', '0x7f00bb in mosquitto'], [95, 105])]);
  const grown = withSites('heaptrack', [site('leak_one', ['leak_one in a.so', '0x7f00bb in mosquitto'], [200, 220])]);
  assert.deepEqual(compareSites(base, same), []);
  assert.deepEqual(
    compareSites(base, grown).map((change) => change.kind),
    ['grown'],
  );
});

test('heap snapshots: a constructor is matched by name, whatever its retainer path; a new one is reported', () => {
  const base = withSites('v8-heap-snapshot', [site('Buffer', ['(array).17', 'Map.table'], [4000, 4200])]);
  const sameOtherPath = withSites('v8-heap-snapshot', [site('Buffer', ['(array).912', 'Map.table'], [4000, 4200])]);
  const fresh = withSites('v8-heap-snapshot', [site('Session', ['Array.[3]'], [300, 320])]);
  assert.deepEqual(compareSites(base, sameOtherPath), []);
  assert.deepEqual(
    compareSites(base, fresh).map((change) => `${change.kind} ${change.label}`),
    ['new Session'],
  );
});

test('class histograms: a JVM class is matched by name; a class that grows more is reported grown', () => {
  const base = withSites('jcmd-class-histogram', [site('Hold$HAConnection', [], [14, 18])]);
  const same = withSites('jcmd-class-histogram', [site('Hold$HAConnection', [], [15, 17])]);
  const grown = withSites('jcmd-class-histogram', [site('Hold$HAConnection', [], [500, 560])]);
  assert.deepEqual(compareSites(base, same), []);
  assert.deepEqual(
    compareSites(base, grown).map((change) => `${change.kind} ${change.label}`),
    ['grown Hold$HAConnection'],
  );
});
