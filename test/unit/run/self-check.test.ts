// Self-check: finding mqleak's own processes (a fake /proc tree, then real children), summing them,
// and judging their floors with the broker's verdict machinery.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Chalk } from 'chalk';
import type { CycleReport, RunReport, ScenarioReport } from '../../../src/core/report-model.js';
import { renderHtml } from '../../../src/report/html/render-html.js';
import { renderJunit } from '../../../src/report/junit/render-junit.js';
import { renderTable } from '../../../src/report/terminal/table.js';
import { emptyProtocolFacts } from '../../../src/patterns/shared/protocol-facts.js';
import { judgeSelf, selfRunVerdict, startSelfCheck, withSelfJudgement } from '../../../src/run/self/self-check.js';
import { Sampler } from '../../../src/sample/sampler.js';
import {
  measureCycleBytes,
  measureSampleBytes,
  RECORDED_BYTES_SAFETY,
  recordedBytesPerOp,
} from '../../../src/run/self/recorded-bytes.js';
import type { ScenarioRecording } from '../../../src/run/run-scenario.js';
import { forceSelfGc } from '../../../src/run/self/self-gc.js';
import type { Sample } from '../../../src/core/metrics.js';
import { SampleStore } from '../../../src/core/sample-store.js';
import { SelfProbe, branchToTarget, childrenOf, descendantsOf } from '../../../src/sample/self-probe.js';
import { loadScenario } from '../../../src/scenario/load-scenario.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A fake /proc: pid → [ppid, children per thread]. */
async function fakeProc(tree: Record<number, { ppid: number; tasks: Record<number, number[]> }>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'mqleak-proc-'));
  dirs.push(root);
  for (const [pid, entry] of Object.entries(tree)) {
    await mkdir(path.join(root, pid), { recursive: true });
    await writeFile(path.join(root, pid, 'stat'), `${pid} (node (x) y) S ${entry.ppid} 1 1 0 -1\n`);
    for (const [tid, children] of Object.entries(entry.tasks)) {
      await mkdir(path.join(root, pid, 'task', tid), { recursive: true });
      await writeFile(
        path.join(root, pid, 'task', tid, 'children'),
        children.length === 0 ? '' : `${children.join(' ')} `,
      );
    }
  }
  return root;
}

// 100 = mqleak: threads 100 and 101; 200 a worker with a helper 201; 300 a shell wrapping the broker 301; 400 a worker
// forked from thread 101.
const TREE = {
  100: { ppid: 1, tasks: { 100: [200, 300], 101: [400] } },
  200: { ppid: 100, tasks: { 200: [201] } },
  201: { ppid: 200, tasks: { 201: [] } },
  300: { ppid: 100, tasks: { 300: [301] } },
  301: { ppid: 300, tasks: { 301: [302] } },
  302: { ppid: 301, tasks: { 302: [] } },
  400: { ppid: 100, tasks: { 400: [] } },
  999: { ppid: 1, tasks: { 999: [] } },
};

test("childrenOf reads every thread's children file; a gone process has none", async () => {
  const proc = await fakeProc(TREE);
  assert.deepEqual(await childrenOf(100, proc), [200, 300, 400]);
  assert.deepEqual(await childrenOf(12345, proc), []);
});

test("descendantsOf walks the whole tree and leaves out the broker's branch", async () => {
  const proc = await fakeProc(TREE);
  assert.deepEqual(await descendantsOf(100, new Set(), proc), [200, 201, 300, 301, 302, 400]);
  const branch = await branchToTarget(100, 301, proc);
  assert.deepEqual([...branch].sort(), [300, 301], 'the broker and the shell between mqleak and it');
  assert.deepEqual(await descendantsOf(100, branch, proc), [200, 201, 400]);
});

test('branchToTarget of a broker mqleak did not start is the broker alone', async () => {
  const proc = await fakeProc(TREE);
  assert.deepEqual([...(await branchToTarget(100, 999, proc))], [999]);
});

function sleepChild(): ChildProcess {
  // A child that starts a grandchild and waits: a worker with a helper of its own.
  return spawn(
    process.execPath,
    [
      '-e',
      "require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, " +
        "30000)'], { stdio: 'ignore' }); setTimeout(() => {}, 30000)",
    ],
    { stdio: 'ignore' },
  );
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}

test('SelfProbe sums this process and its real children, without the excluded branch', {
  skip: process.platform !== 'linux',
}, async () => {
  const worker = sleepChild();
  const broker = sleepChild();
  try {
    const workerPid = worker.pid as number;
    const brokerPid = broker.pid as number;
    await waitFor(
      async () => (await childrenOf(workerPid)).length === 1 && (await childrenOf(brokerPid)).length === 1,
      5000,
    );
    const [helperPid] = await childrenOf(workerPid);
    const excluded = await branchToTarget(process.pid, brokerPid);
    assert.deepEqual([...excluded], [brokerPid]);
    const probe = new SelfProbe(process.pid, excluded);
    const values = await probe.read(0);
    // Without the two children: this process and whatever else it runs (tsx's esbuild service under the test runner).
    const own = new SelfProbe(process.pid, new Set([workerPid, brokerPid]));
    const alone = await own.read(0);
    const expected = [...own.seen, workerPid, helperPid as number].sort((a, b) => a - b);
    assert.deepEqual(
      [...probe.seen].sort((a, b) => a - b),
      expected,
      'the worker and its helper, not the broker nor its child',
    );
    assert.equal(probe.maxProcesses, own.maxProcesses + 2);
    assert.ok((values['proc.rss'] ?? 0) > (alone['proc.rss'] ?? 0), "the children's memory is in the sum");
    assert.ok((values['proc.threads'] ?? 0) > (alone['proc.threads'] ?? 0));
    assert.ok((alone['proc.fds'] ?? 0) > 0);
    assert.ok((alone['node.heap'] ?? 0) > 1024 * 1024, "the coordinator's own heap");
    // A worker that exits is dropped at the next tree refresh, not an error.
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    const later = await probe.read(10_000);
    assert.ok(!Number.isNaN(later['proc.rss']));
  } finally {
    for (const child of [worker, broker])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('forceSelfGc collects in this process; node.liveHeap comes once, in the first reading after it', async () => {
  assert.equal(forceSelfGc(), true);
  const probe = new SelfProbe(process.pid, new Set(), '/nonexistent-proc');
  const before = await probe.read(0);
  assert.equal(before['node.liveHeap'], undefined);
  assert.ok((before['node.heap'] ?? 0) > 0);
  assert.ok(
    (before['node.heapTotal'] ?? 0) >= (before['node.heap'] ?? 0) - process.memoryUsage().external,
    'V8 reserves at least what is in use',
  );
  assert.equal(probe.metrics.find((metric) => metric.name === 'node.heapTotal')?.judged, false);
  forceSelfGc();
  probe.notePostGc();
  const after = await probe.read(100);
  assert.ok(
    (after['node.liveHeap'] ?? 0) > 0 && (after['node.liveHeap'] ?? 0) <= (after['node.heap'] ?? 0) + 1024 * 1024,
  );
  assert.equal((await probe.read(200))['node.liveHeap'], undefined);
});

test('node.sampleStore: every self sample records what the samples kept take in their stores, ' +
  "the broker's sampler's included; recorded, not judged", {
  skip: process.platform !== 'linux',
}, async () => {
  const start = Date.now();
  const clock = (): number => Date.now() - start;
  const broker = new Sampler({ read: async () => ({ rss: 1_000_000, fds: 7 }) }, 10, clock);
  broker.start();
  const self = await startSelfCheck(null, 10, clock, [broker]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  self.sampler.stop();
  broker.stop();
  const last = self.sampler.store.last();
  assert.ok(
    self.sampler.store.length >= 5 && broker.store.length >= 5,
    `${self.sampler.store.length} and ${broker.store.length} samples`,
  );
  // Both stores have every column by the second sample, so their size no longer changes within the first chunk.
  assert.equal(last?.values['node.sampleStore'], self.sampler.store.bytes + broker.store.bytes);
  assert.equal(self.probe.metrics.find((metric) => metric.name === 'node.sampleStore')?.judged, false);
});

// --- the self verdict, assembled from the cycles' self floors ---

// What the self-check judges: the coordinator's live heap and the counts; RSS is recorded, not judged.
const SELF_METRICS = new SelfProbe().metrics;
const OPS_PER_CYCLE = 1000;
const WARMUP = 2;
const MEASURED = 12;
const BASE = 80 * 1024 * 1024;

/** A recording whose broker floors are flat and whose self floors grow `selfPerOp` bytes per operation. */
function recording(selfPerOp: number, withSelf = true): ScenarioRecording {
  const cycles: CycleReport[] = [];
  for (let k = 0; k < WARMUP + MEASURED; k++) {
    const cumulativeOps = (k + 1) * OPS_PER_CYCLE;
    const startMs = 1000 + k * 1000;
    // A little deterministic noise, well under δ × ops per cycle.
    const wobble = ((k * 37) % 7) * 100;
    const selfFloor = BASE + selfPerOp * cumulativeOps + wobble;
    cycles.push({
      index: k,
      warmup: k < WARMUP,
      startMs,
      loadEndMs: startMs + 400,
      endMs: startMs + 1000,
      operations: OPS_PER_CYCLE,
      cumulativeOps,
      failures: 0,
      failureKinds: {},
      gcForced: true,
      floors: { 'proc.rss': BASE + wobble, 'proc.rssAnon': BASE / 2 + wobble, 'proc.fds': 20, 'proc.threads': 11 },
      ...(withSelf
        ? {
            selfGcForced: true,
            selfFloors: {
              'proc.rss': selfFloor,
              'proc.rssAnon': selfFloor / 2,
              'proc.fds': 25,
              'proc.threads': 12,
              'node.liveHeap': selfFloor / 4,
            },
          }
        : {}),
    });
  }
  const endMs = 1000 + (WARMUP + MEASURED) * 1000 + 2000;
  return {
    startMs: 0,
    endMs,
    phases: [
      { name: 'baseline', startMs: 0, endMs: 1000 },
      { name: 'warmup', startMs: 1000, endMs: 1000 + WARMUP * 1000 },
      { name: 'measured', startMs: 1000 + WARMUP * 1000, endMs: endMs - 2000 },
      { name: 'recovery', startMs: endMs - 2000, endMs },
    ],
    cycles,
    baselineFloors: { 'proc.rss': BASE },
    recoveryFloors: { 'proc.rss': BASE },
    failureKinds: {},
    facts: emptyProtocolFacts(),
    error: null,
    selfBaselineFloors: {
      'node.liveHeap': BASE / 4,
      'proc.rss': BASE,
      'proc.rssAnon': BASE / 2,
      'proc.fds': 25,
      'proc.threads': 12,
    },
    // A leak keeps what it took: recovery stays at the last floor.
    selfRecoveryFloors: {
      'node.liveHeap': (BASE + selfPerOp * (WARMUP + MEASURED) * OPS_PER_CYCLE) / 4,
      'proc.rss': BASE + selfPerOp * (WARMUP + MEASURED) * OPS_PER_CYCLE,
      'proc.rssAnon': (BASE + selfPerOp * (WARMUP + MEASURED) * OPS_PER_CYCLE) / 2,
      'proc.fds': 25,
      'proc.threads': 12,
    },
  };
}

function samples(endMs: number): Sample[] {
  const out: Sample[] = [];
  for (let t = 0; t <= endMs; t += 100) out.push({ t, lateMs: 1, values: { 'proc.rss': BASE } });
  return out;
}

test(
  'judgeSelf: flat self floors PASS, a steady 1 KB per operation is a LEAK, no self floors ' + 'give nothing',
  async () => {
    const scenario = await loadScenario('connect-churn', false);
    const flat = recording(0);
    const pass = judgeSelf(scenario, flat, samples(flat.endMs), SELF_METRICS);
    assert.ok(pass !== null);
    assert.equal(pass.selfVerdict, 'pass', JSON.stringify(pass.selfMetrics.map((m) => [m.name, m.verdict, m.reason])));
    assert.deepEqual(pass.selfMetrics.map((metric) => metric.name).sort(), [
      'node.liveHeap',
      'proc.fds',
      'proc.threads',
    ]);
    assert.equal(pass.selfSamples.length, samples(flat.endMs).length);

    const growing = recording(1024);
    const leak = judgeSelf(scenario, growing, samples(growing.endMs), SELF_METRICS);
    assert.ok(leak !== null);
    assert.equal(leak.selfVerdict, 'leak');
    const heap = leak.selfMetrics.find((metric) => metric.name === 'node.liveHeap');
    assert.ok(
      heap?.bytesPerOp !== null && heap?.bytesPerOp !== undefined && Math.abs(heap.bytesPerOp - 256) < 32,
      `slope ${heap?.bytesPerOp}`,
    );
    assert.equal(
      leak.selfMetrics.find((metric) => metric.name === 'proc.rss'),
      undefined,
      'RSS is recorded, not judged',
    );

    assert.equal(judgeSelf(scenario, recording(0, false), [], SELF_METRICS), null);
  },
);

test(
  'withSelfJudgement and selfRunVerdict: self fields on the scenario, LEAK wins across ' +
    'scenarios, broker verdict untouched',
  async () => {
    const scenario = await loadScenario('connect-churn', false);
    const growing = recording(1024);
    const judgement = judgeSelf(scenario, growing, samples(growing.endMs), SELF_METRICS);
    const base = {
      name: 'connect-churn',
      verdict: 'pass',
      cycles: growing.cycles,
      metrics: [],
    } as unknown as ScenarioReport;
    const report = withSelfJudgement(base, judgement);
    assert.equal(report.verdict, 'pass', "the broker's verdict stays");
    assert.equal(report.selfVerdict, 'leak');
    assert.equal(report.cycles[0]?.selfFloors?.['proc.rss'], growing.cycles[0]?.selfFloors?.['proc.rss']);
    assert.equal(withSelfJudgement(base, null), base);
    assert.equal(selfRunVerdict([report, { ...base, selfVerdict: 'pass' }]), 'leak');
    assert.equal(
      selfRunVerdict([
        { ...base, selfVerdict: 'pass' },
        { ...base, selfVerdict: 'inconclusive' },
      ]),
      'inconclusive',
    );
    assert.equal(selfRunVerdict([base]), undefined);
  },
);

// --- rendering: every format shows the self-check when the report has it ---

async function reportWithSelf(selfVerdict: 'pass' | 'leak'): Promise<RunReport> {
  const report = JSON.parse(
    await readFile(new URL('../../fixtures/reports/quick-clean.json', import.meta.url), 'utf8'),
  ) as RunReport;
  for (const scenario of report.scenarios) {
    scenario.selfVerdict = selfVerdict;
    scenario.selfMetrics = scenario.metrics.map((metric) => ({
      ...metric,
      verdict: metric.kind === 'bytes' ? selfVerdict : 'pass',
    }));
    scenario.selfIssues = [];
    scenario.selfSamples = scenario.samples;
    scenario.cycles = scenario.cycles.map((cycle) => ({ ...cycle, selfFloors: cycle.floors, selfGcForced: true }));
  }
  report.selfVerdict = selfVerdict;
  report.selfProcesses = { pids: [1000, 1001], maxProcesses: 2, excludedPids: [2000] };
  return report;
}

test(
  'table, HTML and JUnit show the self-check; a self LEAK is flagged but the exit code line ' + "is the broker's",
  async () => {
    const style = new Chalk({ level: 0 });
    const clean = await reportWithSelf('pass');
    const table = renderTable(clean, style, 200);
    assert.match(table, /self \(mqleak's own memory\): PASS/);
    assert.match(table, /self-check: mqleak itself \(2 processes\) PASS — not part of the exit code/);
    const leaky = await reportWithSelf('leak');
    const leakTable = renderTable(leaky, style, 200);
    assert.match(leakTable, /self \(mqleak's own memory\): LEAK/);
    assert.match(leakTable, /the generator leaked/);
    assert.match(leakTable, new RegExp(`verdict: ${clean.verdict.toUpperCase()} \\(exit ${clean.exitCode}\\)`));

    const html = renderHtml(leaky);
    assert.match(html, /mqleak itself \(self-check\)/);
    assert.match(html, /<details class="self" open>/, 'a self LEAK is unfolded');
    assert.match(html, /self-check<\/dt><dd>mqleak&#39;s own memory over 2 processes: LEAK/);
    assert.doesNotMatch(renderHtml(clean), /<details class="self" open>/);

    const junit = renderJunit(leaky);
    assert.match(junit, /<testcase classname="[^"]+" name="self">\s*<failure type="SELF-LEAK"/);
    assert.doesNotMatch(renderJunit(clean), /SELF-LEAK/);
    assert.match(renderJunit(clean), /name="self">\s*<system-out>mqleak(&apos;|')s own processes: PASS/);

    const { scenarios } = clean;
    const old = {
      ...clean,
      scenarios: scenarios.map(({ selfVerdict: _v, selfMetrics: _m, ...rest }) => rest),
    } as RunReport;
    delete old.selfVerdict;
    assert.doesNotMatch(renderTable(old, style, 200), /self/, 'an older report renders as before');
  },
);

test(
  "the samples and cycles mqleak keeps are measured, and node.liveHeap's δ is raised by " +
    'them, not taken for a leak',
  async () => {
    const recorded: Sample[] = [];
    for (let k = 0; k < 500; k++)
      recorded.push({
        t: k * 100,
        lateMs: 1,
        values: {
          'proc.rss': 1e8 + k * 4096 + 0.5,
          'proc.rssAnon': 5e7 + k,
          'proc.swap': 0,
          'proc.fds': 25,
          'proc.threads': 11,
          'proc.cpu': 12.5,
        },
      });
    // Kept in a SampleStore, a sample costs the heap only its share of the store's few objects per chunk.
    const perSample = measureSampleBytes(new SampleStore(recorded));
    assert.ok(perSample !== null && perSample < 10, `${perSample} B of heap per sample`);
    const growing = recording(0);
    const perCycle = measureCycleBytes(growing.cycles);
    assert.ok(perCycle !== null && perCycle > 100 && perCycle < 10_000, `${perCycle} B per cycle`);
    // 12 measured cycles of 1,000 operations over 12 s: 120 samples of each of two samplers.
    const kept = new SampleStore(samples(growing.endMs));
    const allowance = recordedBytesPerOp(
      growing.cycles,
      [
        { samples: kept, bytesPerSample: 200 },
        { samples: kept, bytesPerSample: 200 },
      ],
      1000,
    );
    const inWindow = samples(growing.endMs).filter((sample) => sample.t >= 3000 && sample.t <= 15_000).length;
    assert.equal(
      Math.round(allowance),
      Math.round(((2 * inWindow * 200 + 12 * 1000) * RECORDED_BYTES_SAFETY) / 12_000),
    );

    // Growth of 150 B/op that is all recorded data: LEAK against the plain δ, not with the allowance.
    const scenario = await loadScenario('connect-churn', false);
    const slow = recording(600); // node.liveHeap floors are a quarter of the RSS ones: 150 B/op
    assert.equal(
      judgeSelf(scenario, slow, samples(slow.endMs), SELF_METRICS)?.selfMetrics.find((m) => m.name === 'node.liveHeap')
        ?.verdict,
      'leak',
    );
    const allowed = judgeSelf(scenario, slow, samples(slow.endMs), SELF_METRICS, 200);
    const heap = allowed?.selfMetrics.find((m) => m.name === 'node.liveHeap');
    assert.notEqual(heap?.verdict, 'leak');
    assert.equal(heap?.thresholdPerOp, 64 + 200);
    assert.match(heap?.reason ?? '', /threshold includes 200 B per operation for the samples mqleak keeps/);
  },
);
