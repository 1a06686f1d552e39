// bridge-churn against real brokers whose bridge connects to mqleak's peer broker: Debian's Mosquitto
// (configured by the test with a bridge), and the fixture broker with an MQTT.js bridge that leaks a
// known amount per reconnect (ground truth), or nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HOOK_ANSWERED_CHECK, IN_RESUMED_CHECK, OUT_RESUMED_CHECK } from '../../src/patterns/bridge-churn.js';
import type { BridgeCycleReport, MetricReport, RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { freePort, startFixtureBroker, startMosquitto } from '../helpers/brokers.js';
import { runCli, type CliResult } from '../helpers/cli.js';

/** The issue's bar: the link flaps at least this often against Mosquitto. */
const MIN_MOSQUITTO_RECONNECTS = 20;
/**
 * A leak per bridge reconnect far above the scenario's 4 KB threshold and the fixture's noise. 1 MB, not less:
 * the fixture starts with several MB that its allocator freed but kept resident, and leaked buffers first
 * reuse those pages without raising RSS. At 256 KB per reconnect the warm-up's 15 reconnects did not use
 * them up and the measured floors only rose in the last cycles (INCONCLUSIVE); at 1 MB they are gone
 * within the first warm-up cycle.
 */
const INJECTED_LEAK_BYTES = 1024 * 1024;
/** As for the other fixture leaks: the measured bytes/op lands within 30% of the injected size. */
const LEAK_SIZE_TOLERANCE = 0.3;
/** The fixture's bridge retries fast, so a reconnect takes ~0.2 s and the runs stay short. */
const FIXTURE_RECONNECT_MS = 50;

function scenarioOf(report: RunReport | null): ScenarioReport {
  const scenario = report?.scenarios.find((entry) => entry.name === 'bridge-churn');
  assert.ok(scenario, 'the report has the bridge-churn scenario');
  return scenario;
}

function metricOf(scenario: ScenarioReport, name: string): MetricReport {
  const metric = scenario.metrics.find((entry) => entry.name === name);
  assert.ok(metric, `bridge-churn has a ${name} verdict`);
  return metric;
}

function selfMetricOf(scenario: ScenarioReport, name: string): MetricReport {
  const metric = scenario.selfMetrics?.find((entry) => entry.name === name);
  assert.ok(metric, `bridge-churn has a self ${name} verdict`);
  return metric;
}

function bridgeCycles(scenario: ScenarioReport): BridgeCycleReport[] {
  return scenario.cycles.map((cycle) => {
    assert.ok(cycle.bridge, `cycle ${cycle.index} has its bridge figures`);
    return cycle.bridge;
  });
}

function summary(result: CliResult): string {
  const lines =
    result.report?.scenarios.flatMap((s) => s.metrics.map((m) => `${m.name}: ${m.verdict} ${m.reason}`)) ?? [];
  return [...lines, result.stderr.slice(-2000)].join('\n');
}

/** Every reconnect was followed by messages getting through both ways again. */
function assertForwardingVerified(scenario: ScenarioReport, reconnects: number): void {
  for (const name of [OUT_RESUMED_CHECK, IN_RESUMED_CHECK]) {
    const check = scenario.checks?.[name];
    assert.ok(check, `the report has the check '${name}'`);
    assert.equal(check.expected, reconnects, `${name}: checked after every reconnect`);
    assert.equal(check.status, 'held', `${name}: ${check.observed} of ${check.expected}`);
  }
}

describe('bridge-churn against Mosquitto with a bridge to the peer', () => {
  test(
    `the link flaps at least ${MIN_MOSQUITTO_RECONNECTS} times, forwarding resumes after ` +
      `each, and PASS: Mosquitto does not leak per reconnect`,
    async () => {
      const peerPort = await freePort();
      const broker = await startMosquitto([
        'connection mqleak-peer',
        `address 127.0.0.1:${peerPort}`,
        'topic mqleak/out/# out 1',
        'topic mqleak/in/# in 1',
        // The min/max form: Mosquitto 2.0 waits ~6 s with a bare `restart_timeout 1`, ~2 s with `1 1`.
        'restart_timeout 1 1',
        'cleansession true',
      ]);
      try {
        // --quick: 3 reconnects per cycle, 2 warm-up + 6 measured cycles.
        const result = await runCli([
          'run',
          'bridge-churn',
          '--quick',
          '--broker',
          broker.url,
          '--set',
          `peerPort=${peerPort}`,
          '--set',
          'upSeconds=0.3',
        ]);
        assert.ok(result.code === 0 || result.code === 2, summary(result));
        assert.equal(result.code, 0, summary(result));
        assert.equal(result.report?.target?.pid, broker.pid, 'sampled Mosquitto itself (found from its port)');
        const scenario = scenarioOf(result.report);
        assert.ok(scenario.verdict === 'pass' || scenario.verdict === 'inconclusive', `verdict ${scenario.verdict}`);
        assert.equal(scenario.verdict, 'pass', summary(result));
        assert.deepEqual(
          scenario.metrics.map((metric) => metric.name),
          ['proc.rss', 'proc.rssAnon', 'proc.fds', 'proc.threads'],
        );
        for (const metric of scenario.metrics) {
          assert.notEqual(metric.verdict, 'leak', `${metric.name}: ${metric.reason}`);
          assert.equal(metric.verdict, 'pass', `${metric.name}: ${metric.reason}`);
        }
        const cycles = bridgeCycles(scenario);
        const reconnects = cycles.reduce((sum, cycle) => sum + cycle.reconnects, 0);
        assert.ok(reconnects >= MIN_MOSQUITTO_RECONNECTS, `${reconnects} reconnects`);
        assert.equal(reconnects, scenario.operations, 'one operation is one bridge reconnect');
        assert.ok(
          cycles.every((cycle) => cycle.peer === `127.0.0.1:${peerPort}`),
          'the peer listened where the bridge was pointed',
        );
        assertForwardingVerified(scenario, reconnects);
        // Messages flowed both ways in every cycle, and the ones sent while the link was up arrived.
        for (const cycle of cycles) {
          for (const flow of [cycle.out, cycle.in]) {
            assert.ok(flow.delivered > 0, 'messages went through the bridge');
            assert.equal(flow.sent, flow.delivered + flow.lost);
          }
        }
        assert.match(result.stdout, /bridge: peer 127\.0\.0\.1:\d+, \d+ reconnects/);
        // The figure the issue asks for (not a pass/fail timer).
        const perMinute = (scenario.opsPerSecond ?? 0) * 60;
        process.stdout.write(
          `Mosquitto: ${reconnects} bridge reconnects, ${perMinute.toFixed(1)} per minute, ` +
            `verdict ${scenario.verdict}\n`,
        );
      } finally {
        await broker.stop();
      }
    },
  );
});

/** Run-shape settings for the fixture: fast flaps, the GC forced before each floor. */
function fixtureRunArgs(pid: number, peerPort: number, extra: string[]): string[] {
  return [
    '--pid',
    String(pid),
    '--gc-cmd',
    'kill -USR2 {pid}',
    '--set',
    `peerPort=${peerPort}`,
    '--set',
    'upSeconds=0.1',
    '--set',
    'settleSeconds=1.2',
    '--set',
    'baselineSeconds=1',
    '--set',
    'recoverySeconds=2',
    ...extra,
  ];
}

describe('bridge-churn against the fixture broker with a bridge', () => {
  test(
    'a bridge that leaks 1 MB per reconnect: LEAK, bytes/op near the injected size; restart ' +
      'hook and refusals exercised',
    async () => {
      const peerPort = await freePort();
      const broker = await startFixtureBroker(0, [
        '--bridge-to',
        `mqtt://127.0.0.1:${peerPort}`,
        '--bridge-reconnect-ms',
        String(FIXTURE_RECONNECT_MS),
        '--leak-on',
        `bridge-reconnect=${INJECTED_LEAK_BYTES}`,
      ]);
      try {
        const result = await runCli([
          'run',
          'bridge-churn',
          '--broker',
          broker.url,
          ...fixtureRunArgs(broker.pid, peerPort, [
            '--set',
            'operationsPerCycle=5',
            '--set',
            'warmupCycles=3',
            '--set',
            'cycles=6',
            // Every other reconnect is a restart from the target's side (the fixture restarts its bridge on SIGHUP),
            // and after each one the peer answers "server unavailable" for a while.
            '--set',
            `restartHook=kill -HUP ${broker.pid}`,
            '--set',
            'restartHookEvery=2',
            '--set',
            'refuseSeconds=0.2',
            '--set',
            'refuseMode=unavailable',
          ]),
        ]);
        assert.equal(result.code, 1, summary(result));
        const scenario = scenarioOf(result.report);
        const rss = metricOf(scenario, 'proc.rss');
        assert.equal(rss.verdict, 'leak', rss.reason);
        assert.ok(
          rss.bytesPerOp !== null &&
            Math.abs(rss.bytesPerOp - INJECTED_LEAK_BYTES) <= LEAK_SIZE_TOLERANCE * INJECTED_LEAK_BYTES,
          `rss ${rss.bytesPerOp} B per reconnect vs ${INJECTED_LEAK_BYTES} injected`,
        );
        const cycles = bridgeCycles(scenario);
        const reconnects = cycles.reduce((sum, cycle) => sum + cycle.reconnects, 0);
        assert.equal(reconnects, 45);
        assert.ok(
          cycles.reduce((sum, cycle) => sum + cycle.byHook, 0) >= 20,
          'the restart hook did every other reconnect',
        );
        assert.ok(cycles.reduce((sum, cycle) => sum + cycle.refusedAttempts, 0) > 0, 'the peer refused reconnects');
        assertForwardingVerified(scenario, reconnects);
        assert.match(result.stdout, /LEAK/);
        process.stdout.write(
          `leaky fixture: rss ${rss.verdict} ${Math.round(rss.bytesPerOp ?? 0)} B per ` +
            `reconnect [${rss.ci?.map(Math.round).join(', ')}], ${reconnects} reconnects\n`,
        );
      } finally {
        await broker.stop();
      }
    },
  );

  test('the same bridge without the leak: no LEAK, fds and threads PASS', async () => {
    const peerPort = await freePort();
    const broker = await startFixtureBroker(0, [
      '--bridge-to',
      `mqtt://127.0.0.1:${peerPort}`,
      '--bridge-reconnect-ms',
      String(FIXTURE_RECONNECT_MS),
    ]);
    try {
      // A Node broker's reconnect path is compiled over its first hundred or so reconnects (2-6 KB each,
      // levelling off): 60 warm-up reconnects before the 60 measured ones.
      const result = await runCli([
        'run',
        'bridge-churn',
        '--broker',
        broker.url,
        ...fixtureRunArgs(broker.pid, peerPort, [
          '--set',
          'operationsPerCycle=10',
          '--set',
          'warmupCycles=6',
          '--set',
          'cycles=6',
        ]),
      ]);
      assert.ok(result.code === 0 || result.code === 2, summary(result));
      const scenario = scenarioOf(result.report);
      for (const metric of scenario.metrics)
        assert.notEqual(metric.verdict, 'leak', `${metric.name}: ${metric.reason}`);
      for (const name of ['proc.fds', 'proc.threads'])
        assert.equal(metricOf(scenario, name).verdict, 'pass', metricOf(scenario, name).reason);
      const reconnects = bridgeCycles(scenario).reduce((sum, cycle) => sum + cycle.reconnects, 0);
      assert.equal(reconnects, 120);
      assertForwardingVerified(scenario, reconnects);
      // mqleak's own descriptors and threads over 120 reconnects: no socket, pipe or hook process kept per
      // reconnect (counts: exact, so PASS is robust here).
      for (const name of ['proc.fds', 'proc.threads']) {
        const own = selfMetricOf(scenario, name);
        assert.equal(own.verdict, 'pass', `self ${name}: ${own.reason}`);
      }
      // Its live heap is judged and printed, not asserted: in a minute it cannot reach PASS (floors scattering by
      // 0.1-0.3 MB against a δ of a few hundred bytes per reconnect), and V8 still compiling mqleak's code adds
      // KB per reconnect at this pace (docs/reliability.md, "mqleak's own heap on bridge reconnects").
      const heap = selfMetricOf(scenario, 'node.liveHeap');
      const rss = metricOf(scenario, 'proc.rss');
      process.stdout.write(
        `clean fixture: ` +
          `${scenario.metrics.map((m) => `${m.name} ${m.verdict}`).join(', ')}; rss ` +
          `${Math.round(rss.perOp ?? 0)} B per reconnect ` +
          `[${rss.ci?.map(Math.round).join(', ')}]; self node.liveHeap ${heap.verdict} ` +
          `${Math.round(heap.perOp ?? 0)} B per reconnect [${heap.ci?.map(Math.round).join(', ')}]\n`,
      );
    } finally {
      await broker.stop();
    }
  });
});

describe('bridge-churn with a restart hook that restarts the bridge but never answers', () => {
  // NanoMQ's REST reload as seen in issue 17: the reload happened, the HTTP call never returned. The hook's
  // timeout is recorded as a failed check and the run goes on, because the bridge does reconnect.
  test('each timed-out hook is a failed check; the run is not ended by it (no exit 3), reconnects counted', {
    timeout: 120_000,
  }, async () => {
    const peerPort = await freePort();
    const broker = await startFixtureBroker(0, [
      '--bridge-to',
      `mqtt://127.0.0.1:${peerPort}`,
      '--bridge-reconnect-ms',
      String(FIXTURE_RECONNECT_MS),
    ]);
    try {
      const result = await runCli([
        'run',
        'bridge-churn',
        '--broker',
        broker.url,
        ...fixtureRunArgs(broker.pid, peerPort, [
          '--set',
          'operationsPerCycle=3',
          '--set',
          'warmupCycles=2',
          '--set',
          'cycles=3',
          '--set',
          `restartHook=kill -HUP ${broker.pid}; sleep 30`,
          '--set',
          'hookTimeoutSeconds=1',
        ]),
      ]);
      assert.notEqual(result.code, 3, summary(result));
      assert.equal(result.report?.error, null, summary(result));
      const scenario = scenarioOf(result.report);
      const reconnects = bridgeCycles(scenario).reduce((sum, cycle) => sum + cycle.reconnects, 0);
      const byHook = bridgeCycles(scenario).reduce((sum, cycle) => sum + cycle.byHook, 0);
      assert.ok(reconnects >= 9 && byHook === reconnects, `${reconnects} reconnects, ${byHook} by the hook`);
      const check = scenario.checks?.[HOOK_ANSWERED_CHECK];
      assert.ok(check !== undefined, 'the hook check is in the report');
      assert.equal(check.status, 'failed');
      assert.equal(check.observed, 0, 'no hook answered within its 1 s');
      assert.ok(check.expected >= 9, `${check.expected} hook runs checked`);
    } finally {
      await broker.stop();
    }
  });
});

describe('bridge-churn when the bridge never comes', () => {
  test('exit 3, naming the peer address the bridge should use', async () => {
    const broker = await startMosquitto(); // no bridge configured
    try {
      const peerPort = await freePort();
      const result = await runCli([
        'run',
        'bridge-churn',
        '--quick',
        '--broker',
        broker.url,
        '--set',
        `peerPort=${peerPort}`,
        '--set',
        'connectTimeoutSeconds=2',
      ]);
      assert.equal(result.code, 3, result.stdout + result.stderr);
      assert.match(result.stderr, new RegExp(`never connected to mqleak's peer at 127\\.0\\.0\\.1:${peerPort}`));
      assert.match(result.stderr, /hint: configure the target's bridge/);
      assert.equal(result.report?.error?.kind, 'target');
    } finally {
      await broker.stop();
    }
  });
});
