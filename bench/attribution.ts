// Benchmark: what --attribute costs and how much it explains, per runtime. For native brokers (Debian's Mosquitto,
// started by mqleak with --spawn) the same scenario runs plain and under heaptrack: wall time, the broker's rate,
// the share of the RSS slope the reported sites explain, and heaptrack's trace size per minute. For Node brokers
// (the fixture broker leaking a 4 KiB Buffer per topic, topic-churn, --spawn "node …") one plain run attributes its
// LEAK by itself in a second run with a V8 heap snapshot at every floor: both scenarios' wall times and rates, the
// share of the plain RSS slope explained, and the snapshots' bytes per minute. For JVM brokers the Java fixture
// (test/fixtures/jvm/LeakyMqtt.java --leak) runs quick connect-churn plain and with class histograms: the same
// figures, against the heap after GC. Prints one JSON object to stdout.
// Run under the shared heavy-load lock: flock /tmp/mqleak-heavy.lock node --import tsx bench/attribution.ts
// Scenario and size: MQLEAK_BENCH_SCENARIO (default retained-flood), MQLEAK_BENCH_QUICK=0 for the full size.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunReport } from '../src/core/report-model.js';
import { NODE_BROKER_ENV, NODE_BROKER_EXEC_ARGV } from '../src/target/node-broker-runtime.js';
import { freePort, REPO_ROOT } from '../test/helpers/brokers.js';
import { readReportFile } from '../src/report/read-report.js';

const SCENARIO = process.env.MQLEAK_BENCH_SCENARIO ?? 'retained-flood';
const QUICK = process.env.MQLEAK_BENCH_QUICK !== '0';
/** Bound on one CLI run: a hung run must not hold the shared lock for ever. */
const RUN_BOUND_MS = 600_000;

/** Debian's Mosquitto on `port`, its config in `dir`. */
async function mosquitto(port: number, dir: string): Promise<string> {
  const config = path.join(dir, 'mosquitto.conf');
  await writeFile(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
  return `mosquitto -c ${config}`;
}

/** The Java fixture keeping a 528-byte Session per CONNECT, run by the JDK's source launcher. */
async function javaFixture(port: number): Promise<string> {
  return `java -Xmx128m ${path.join(REPO_ROOT, 'test/fixtures/jvm/LeakyMqtt.java')} ${port} --leak`;
}

/** Silent clients wait out a keepalive each: not what the JVM figures are about. */
const JVM_SCENARIO = ['connect-churn', '--quick', '--set', 'keepaliveExpiryShare=0'];

async function runOnce(
  attribute: boolean,
  broker: (port: number, dir: string) => Promise<string> = mosquitto,
  scenario: readonly string[] = [SCENARIO, ...(QUICK ? ['--quick'] : [])],
): Promise<{ wallMs: number; report: RunReport | null }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-bench-attr-'));
  try {
    const port = await freePort();
    const args = [
      path.join(REPO_ROOT, 'bin/mqleak.js'),
      'run',
      ...scenario,
      // The plain run must not attribute its LEAK by itself: its wall time would include the second run.
      ...(attribute ? ['--attribute'] : ['--no-attribute']),
      '--spawn',
      await broker(port, dir),
      '--broker',
      `mqtt://127.0.0.1:${port}`,
      '--out',
      dir,
      '-q',
      '--no-html',
    ];
    const started = Date.now();
    const child = spawn(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_BOUND_MS);
    await new Promise((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    const wallMs = Date.now() - started;
    const file = (await readdir(dir)).find((name) => name.endsWith('.json'));
    const report = file === undefined ? null : await readReportFile(path.join(dir, file));
    return { wallMs, report };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The JVM's figures: plain and with class histograms, against the heap after GC (jvm.heapUsed). */
async function jvmFigures(): Promise<Record<string, unknown>> {
  const plain = await runOnce(false, javaFixture, JVM_SCENARIO);
  const attributed = await runOnce(true, javaFixture, JVM_SCENARIO);
  const heap = (report: RunReport | null) =>
    report?.scenarios[0]?.metrics.find((metric) => metric.name === 'jvm.heapUsed')?.bytesPerOp ?? null;
  const plainRate = plain.report?.scenarios[0]?.opsPerSecond ?? null;
  const scenario = attributed.report?.scenarios[0];
  const attribution = scenario?.attribution;
  return {
    broker: 'test/fixtures/jvm/LeakyMqtt.java --leak (528 B per CONNECT)',
    scenario: JVM_SCENARIO.join(' '),
    tool: 'jcmd-class-histogram',
    plain: { wallMs: plain.wallMs, opsPerSecond: plainRate, heapBytesPerOp: heap(plain.report) },
    attributed: {
      wallMs: attributed.wallMs,
      opsPerSecond: scenario?.opsPerSecond ?? null,
      heapBytesPerOp: heap(attributed.report),
    },
    wallTimeRatio: attributed.wallMs / plain.wallMs,
    rateRatio: plainRate && scenario?.opsPerSecond ? scenario.opsPerSecond / plainRate : null,
    status: attribution?.status ?? null,
    topSite: attribution?.sites[0]?.label ?? null,
    topSiteBytesPerOp: attribution?.sites[0]?.bytesPerOp ?? null,
    explainedShare: attribution?.explainedShare ?? null,
    histograms: attribution?.snapshots ?? null,
    histogramTextBytes: attribution?.traceBytes ?? null,
  };
}

/** The Node fixture's leak per new topic: far above a quick run's δ, as in the attribution tests. */
const NODE_TOPIC_LEAK_BYTES = 4096;

/** A plain run of the leaking Node fixture; its LEAK is attributed by itself in a second, instrumented run. */
async function nodeRun(): Promise<{ wallMs: number; report: RunReport | null }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-bench-attr-node-'));
  try {
    const port = await freePort();
    const broker = [
      process.execPath,
      ...NODE_BROKER_EXEC_ARGV,
      path.join(REPO_ROOT, 'test/fixtures/leaky-broker.mjs'),
      '--port',
      String(port),
      '--leak-on',
      `topic=${NODE_TOPIC_LEAK_BYTES}`,
    ].join(' ');
    const args = [
      path.join(REPO_ROOT, 'bin/mqleak.js'),
      'run',
      'topic-churn',
      ...(QUICK ? ['--quick'] : []),
      '--spawn',
      broker,
      '--broker',
      `mqtt://127.0.0.1:${port}`,
      '--gc-cmd',
      'kill -USR2 {pid}',
      '--out',
      dir,
      '-q',
      '--no-html',
    ];
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      stdio: 'ignore',
      env: { ...process.env, ...NODE_BROKER_ENV, NO_COLOR: '1' },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_BOUND_MS);
    await new Promise((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    const wallMs = Date.now() - started;
    const file = (await readdir(dir)).find((name) => name.endsWith('.json'));
    return { wallMs, report: file === undefined ? null : await readReportFile(path.join(dir, file)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Node figures: the plain scenario and its instrumented rerun, side by side. */
function nodeFigures(run: { wallMs: number; report: RunReport | null }): Record<string, unknown> {
  const scenario = run.report?.scenarios[0];
  const attribution = scenario?.attribution;
  const plainWallMs = scenario === undefined ? null : scenario.endMs - scenario.startMs;
  const rerunWallMs = attribution?.rerun?.wallMs ?? null;
  const rss = scenario?.metrics.find((metric) => metric.name === 'proc.rss')?.bytesPerOp ?? null;
  const explained = attribution?.sites.reduce((sum, site) => sum + Math.max(0, site.bytesPerOp ?? 0), 0) ?? null;
  const heap = attribution?.heapBytesPerOp ?? null;
  return {
    broker: `test/fixtures/leaky-broker.mjs --leak-on topic=${NODE_TOPIC_LEAK_BYTES} (Aedes), --spawn`,
    tool: 'v8-heap-snapshot (inspector)',
    scenario: 'topic-churn',
    cliWallMs: run.wallMs,
    plain: { wallMs: plainWallMs, opsPerSecond: attribution?.opsPerSecond.plain ?? null, rssBytesPerOp: rss },
    attributed: {
      wallMs: rerunWallMs,
      opsPerSecond: attribution?.opsPerSecond.instrumented ?? null,
      rssBytesPerOp: attribution?.instrumentedRssBytesPerOp ?? null,
      rerunVerdict: attribution?.rerun?.verdict ?? null,
    },
    wallTimeRatio: plainWallMs && rerunWallMs ? rerunWallMs / plainWallMs : null,
    rateRatio:
      attribution?.opsPerSecond.plain && attribution.opsPerSecond.instrumented
        ? attribution.opsPerSecond.instrumented / attribution.opsPerSecond.plain
        : null,
    status: attribution?.status ?? null,
    note: attribution?.status === 'ok' ? undefined : attribution?.note,
    sites: attribution?.sites.map((site) => ({
      label: site.label,
      bytesPerOp: site.bytesPerOp,
      verdict: site.verdict,
    })),
    explainedShare: attribution?.explainedShare ?? null,
    heapBytesPerOp: heap,
    explainedShareOfHeap: explained !== null && heap !== null && heap > 0 ? explained / heap : null,
    snapshots: attribution?.snapshots ?? null,
    snapshotBytes: attribution?.traceBytes ?? null,
    snapshotBytesPerMinute:
      attribution?.traceBytes === undefined || !rerunWallMs ? null : attribution.traceBytes / (rerunWallMs / 60_000),
  };
}

async function main(): Promise<void> {
  const node = nodeFigures(await nodeRun());
  const plain = await runOnce(false);
  const attributed = await runOnce(true);
  const jvm = process.env.MQLEAK_BENCH_JVM === '0' ? { status: 'skipped (MQLEAK_BENCH_JVM=0)' } : await jvmFigures();
  const plainScenario = plain.report?.scenarios[0];
  const scenario = attributed.report?.scenarios[0];
  const attribution = scenario?.attribution;
  const minutes = (attributed.report?.durationMs ?? attributed.wallMs) / 60_000;
  const rss = (report: RunReport | null) =>
    report?.scenarios[0]?.metrics.find((metric) => metric.name === 'proc.rss')?.bytesPerOp ?? null;
  console.log(
    JSON.stringify(
      {
        benchmark: 'attribution',
        scenario: SCENARIO,
        quick: QUICK,
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
        native: {
          broker: 'mosquitto (Debian)',
          tool: 'heaptrack',
          plain: {
            wallMs: plain.wallMs,
            opsPerSecond: plainScenario?.opsPerSecond ?? null,
            rssBytesPerOp: rss(plain.report),
          },
          attributed: {
            wallMs: attributed.wallMs,
            opsPerSecond: scenario?.opsPerSecond ?? null,
            rssBytesPerOp: rss(attributed.report),
          },
          wallTimeRatio: attributed.wallMs / plain.wallMs,
          rateRatio:
            plainScenario?.opsPerSecond && scenario?.opsPerSecond
              ? scenario.opsPerSecond / plainScenario.opsPerSecond
              : null,
          status: attribution?.status ?? null,
          topSite: attribution?.sites[0]?.label ?? null,
          topSiteBytesPerOp: attribution?.sites[0]?.bytesPerOp ?? null,
          explainedShare: attribution?.explainedShare ?? null,
          traceBytes: attribution?.traceBytes ?? null,
          traceBytesPerMinute: attribution?.traceBytes === undefined ? null : attribution.traceBytes / minutes,
        },
        node,
        jvm,
      },
      null,
      2,
    ),
  );
}

await main();
