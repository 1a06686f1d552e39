import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MetricReport, RunReport, ScenarioReport } from '../../src/core/report-model.js';
import { startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';
import { startRabbitMq, type TestRabbitMq } from '../helpers/rabbitmq.js';

// Probes against real servers: Mosquitto's $SYS topics and a command, and RabbitMQ's Prometheus
// endpoint while mqleak loads its MQTT port. Short runs that check the sampling and the plumbing
// (every probe read, its metrics judged, nothing swallowed): the verdicts themselves are tested elsewhere.

/** Three short measured cycles of plain connect/close: enough floors for a verdict object, not for a gate. */
const SHORT = [
  '--set',
  'cycles=3',
  '--set',
  'warmupCycles=2',
  '--set',
  'baselineSeconds=1.5',
  '--set',
  'settleSeconds=1.5',
  '--set',
  'recoverySeconds=1.5',
  '--set',
  'operationsPerCycle=60',
  '--set',
  'keepaliveExpiryShare=0',
];

function scenarioOf(report: RunReport | null): ScenarioReport {
  const scenario = report?.scenarios[0];
  assert.ok(scenario !== undefined, 'a scenario report');
  return scenario;
}

function metricOf(scenario: ScenarioReport, name: string): MetricReport {
  const metric = scenario.metrics.find((entry) => entry.name === name);
  assert.ok(
    metric !== undefined,
    `${name} judged (metrics: ${scenario.metrics.map((entry) => entry.name).join(', ')})`,
  );
  return metric;
}

function sampled(scenario: ScenarioReport, name: string): number[] {
  return scenario.samples
    .map((sample) => (sample as Record<string, number | undefined>)[name])
    .filter((value): value is number => value !== undefined);
}

describe('probes against Mosquitto: $SYS topics and a command', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startMosquitto(['sys_interval 1']);
  });
  after(async () => broker?.stop());

  it(
    'samples heap and clients from $SYS, counts ghost sessions, reads a command, and reports ' + 'every probe',
    async () => {
      const vmrss = "vmrss:bytes=cmd:awk '/^VmRSS/ {print $2 * 1024}' /proc/{pid}/status";
      const result = await runCli([
        'run',
        'connect-churn',
        '--broker',
        broker.url,
        '--pid',
        String(broker.pid),
        '--probe',
        'sys',
        '--probe',
        vmrss,
        '--no-html',
        '-q',
        ...SHORT,
      ]);
      assert.ok(
        result.code !== null && [0, 1, 2].includes(result.code),
        `a verdict, not a failure (exit ${result.code}): ${result.stderr}`,
      );
      const scenario = scenarioOf(result.report);
      const probes = result.report?.probes ?? [];
      assert.deepEqual(
        probes.map((probe) => probe.id),
        ['proc', 'sys', 'cmd'],
      );
      for (const probe of probes)
        assert.ok(probe.readings > 0, `${probe.id} read something (${JSON.stringify(probe)})`);
      const cmd = probes.find((probe) => probe.id === 'cmd');
      assert.equal(cmd?.failures, 0, cmd?.lastError ?? '');
      assert.equal(cmd?.source.includes(`/proc/${broker.pid}/status`), true, '{pid} filled in');

      const heap = sampled(scenario, 'sys.heap');
      assert.ok(heap.length > 0 && heap.every((value) => value > 0), 'Mosquitto published its heap');
      assert.ok(
        sampled(scenario, 'sys.clients').some((value) => value >= 1),
        'the $SYS subscriber itself is a connected client',
      );
      assert.ok(sampled(scenario, 'sys.bytesReceived').length > 0);
      // The command read the same figure /proc gave: within the growth of a few sampling intervals.
      const fromCmd = sampled(scenario, 'cmd.vmrss');
      const fromProc = sampled(scenario, 'proc.rss');
      assert.ok(fromCmd.length > 0);
      assert.ok(
        Math.abs(Math.min(...fromCmd) - Math.min(...fromProc)) < 4 * 1024 * 1024,
        `cmd ${Math.min(...fromCmd)} vs proc ${Math.min(...fromProc)}`,
      );

      for (const name of ['proc.rss', 'proc.fds', 'sys.heap', 'sys.subscriptions', 'sys.ghostSessions', 'cmd.vmrss']) {
        const metric = metricOf(scenario, name);
        assert.ok(['pass', 'leak', 'inconclusive'].includes(metric.verdict), `${name}: ${metric.verdict}`);
        assert.equal(metric.kind, name === 'sys.heap' || name.endsWith('rss') ? 'bytes' : 'count');
      }
      assert.ok(
        !scenario.metrics.some((metric) => metric.name === 'sys.clients' || metric.name === 'sys.bytesSent'),
        'connection counts and byte totals are recorded, not judged',
      );
      assert.ok(
        scenario.cycles
          .filter((cycle) => !cycle.warmup)
          .every((cycle) => cycle.floors['sys.ghostSessions'] !== undefined),
        'a ghost count at every measured floor',
      );
    },
  );

  it('--no-proc: judges the broker by $SYS alone, with no process (pid null, no proc metrics)', async () => {
    const result = await runCli([
      'run',
      'connect-churn',
      '--broker',
      broker.url,
      '--no-proc',
      '--probe',
      'sys',
      '--no-html',
      '-q',
      ...SHORT,
    ]);
    assert.ok(
      result.code !== null && [0, 1, 2].includes(result.code),
      `a verdict, not a failure (exit ${result.code}): ${result.stderr}`,
    );
    const report = result.report;
    assert.equal(report?.target?.pid, null);
    assert.equal(report?.target?.kind, 'no-process');
    assert.deepEqual(
      (report?.probes ?? []).map((probe) => probe.id),
      ['sys'],
      'no proc probe',
    );
    const scenario = scenarioOf(report);
    assert.ok(
      !scenario.metrics.some((metric) => metric.name.startsWith('proc')),
      `no proc metric judged (${scenario.metrics.map((metric) => metric.name).join(', ')})`,
    );
    assert.ok(
      scenario.samples.every((sample) => !Object.keys(sample).some((name) => name.startsWith('proc'))),
      'no proc figure sampled',
    );
    assert.ok(sampled(scenario, 'sys.heap').length > 0, 'Mosquitto published its heap');
    for (const name of ['sys.heap', 'sys.subscriptions', 'sys.ghostSessions']) {
      const metric = metricOf(scenario, name);
      assert.ok(
        ['pass', 'leak', 'inconclusive'].includes(metric.verdict),
        `${name}: ${metric.verdict} (${metric.reason})`,
      );
    }
    assert.deepEqual(report?.selfProcesses?.excludedPids, [], 'no broker branch left out of the self-check');
  });
});

describe('probes against RabbitMQ: its Prometheus endpoint while mqleak loads its MQTT port', () => {
  let rabbit: TestRabbitMq;
  before(async () => {
    rabbit = await startRabbitMq();
    process.stderr.write(`# RabbitMQ started in ${rabbit.startupMs} ms\n`);
  });
  after(async () => rabbit?.stop());

  it(
    'scrapes resident memory and connections over HTTP during connect-churn; every metric ' + 'sampled and judged',
    async () => {
      const result = await runCli([
        'run',
        'connect-churn',
        '--broker',
        rabbit.url,
        '--pid',
        String(rabbit.pid),
        '--probe',
        `http:${rabbit.prometheusUrl}#rabbitmq_process_resident_memory_bytes`,
        '--probe',
        `erlangProcesses:bytes=http:${rabbit.prometheusUrl}#erlang_vm_memory_bytes_total{kind="processes"}`,
        '--probe',
        `connections:connections=http:${rabbit.prometheusUrl}#rabbitmq_connections`,
        '--no-html',
        '-q',
        ...SHORT,
      ]);
      assert.ok(
        result.code !== null && [0, 1, 2].includes(result.code),
        `a verdict, not a failure (exit ${result.code}): ${result.stderr}`,
      );
      const scenario = scenarioOf(result.report);
      assert.ok(
        scenario.operations > 0 && scenario.failures < scenario.operations / 2,
        `RabbitMQ took the load (${scenario.failures} of ${scenario.operations} failed)`,
      );
      const http = (result.report?.probes ?? []).filter((probe) => probe.kind === 'http');
      assert.equal(http.length, 3);
      for (const probe of http)
        assert.ok(
          probe.readings > 0 && probe.failures === 0,
          `${probe.source}: ${probe.readings} readings, last error ${probe.lastError}`,
        );

      const resident = sampled(scenario, 'http.rabbitmq_process_resident_memory_bytes');
      assert.ok(
        resident.length > 0 && resident.every((value) => value > 10 * 1024 * 1024),
        'RabbitMQ reports tens of MB resident',
      );
      const rss = sampled(scenario, 'proc.rss');
      // rabbitmq_process_resident_memory_bytes is the VM's own RSS figure: the same order as /proc's.
      assert.ok(
        Math.min(...resident) > Math.min(...rss) / 2 && Math.min(...resident) < Math.min(...rss) * 2,
        `resident ${Math.min(...resident)} vs proc.rss ${Math.min(...rss)}`,
      );
      assert.ok(sampled(scenario, 'http.connections').length > 0);
      for (const name of [
        'proc.rss',
        'http.rabbitmq_process_resident_memory_bytes',
        'http.erlangProcesses',
        'http.ghostSessions',
      ]) {
        const metric = metricOf(scenario, name);
        assert.ok(
          ['pass', 'leak', 'inconclusive'].includes(metric.verdict),
          `${name}: ${metric.verdict} (${metric.reason})`,
        );
      }
    },
  );
});
