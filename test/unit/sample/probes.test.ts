import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isMqleakError } from '../../../src/core/errors.js';
import { withNamespacedMetrics } from '../../../src/report/legacy-names.js';
import { CgroupProbe } from '../../../src/sample/cgroup-probe.js';
import { CmdProbe, firstNumber } from '../../../src/sample/cmd-probe.js';
import { selectJsonPath } from '../../../src/sample/json-path.js';
import { canonicalMetricName, legacyMetricName } from '../../../src/core/metrics.js';
import { ProcClusterProbe } from '../../../src/sample/proc-cluster-probe.js';
import type { Probe } from '../../../src/sample/probe.js';
import { parseProbeSpec } from '../../../src/sample/probe-spec.js';
import { parsePrometheusSelector, parsePrometheusText, selectPrometheus } from '../../../src/sample/prometheus-text.js';
import { Sampler } from '../../../src/sample/sampler.js';
import { parseSysMap } from '../../../src/sample/sys-probe.js';
import type { RunReport } from '../../../src/core/report-model.js';
import { readFile } from 'node:fs/promises';

const CGROUP = (folder: string): string => fileURLToPath(new URL(`../../fixtures/cgroup/${folder}`, import.meta.url));

// A page in the shape RabbitMQ's rabbitmq_prometheus serves (names, labels, HELP/TYPE lines).
const PROMETHEUS_PAGE = `# TYPE rabbitmq_process_resident_memory_bytes gauge
# HELP rabbitmq_process_resident_memory_bytes Memory used in bytes
rabbitmq_process_resident_memory_bytes 150958080
# TYPE erlang_vm_memory_bytes_total gauge
erlang_vm_memory_bytes_total{kind="system"} 54157744
erlang_vm_memory_bytes_total{kind="processes"} 19090920
rabbitmq_connections 3
weird{path="a\\"b,c",x="1"} 2.5e3 1700000000000
`;

test('Prometheus text: series with labels, escaped quotes, timestamps; a selector sums the series it matches', () => {
  const series = parsePrometheusText(PROMETHEUS_PAGE);
  assert.equal(series.length, 5);
  assert.deepEqual(series[4], { name: 'weird', labels: { path: 'a"b,c', x: '1' }, value: 2500 });
  const select = (text: string): number | null =>
    selectPrometheus(series, parsePrometheusSelector(text) ?? assert.fail(text));
  assert.equal(select('rabbitmq_process_resident_memory_bytes'), 150958080);
  assert.equal(select('erlang_vm_memory_bytes_total{kind="processes"}'), 19090920);
  assert.equal(select('erlang_vm_memory_bytes_total'), 54157744 + 19090920, 'no labels: the family summed');
  assert.equal(select('erlang_vm_memory_bytes_total{kind="atom"}'), null);
  assert.equal(parsePrometheusSelector('bad selector'), null);
});

test('JSON path: dotted keys and array indexes; numeric strings count; anything else is null', () => {
  const data = { stats: { connections: { count: 12 } }, nodes: [{ mem: '2048' }], name: 'x' };
  assert.equal(selectJsonPath(data, 'stats.connections.count'), 12);
  assert.equal(selectJsonPath(data, 'nodes.0.mem'), 2048);
  assert.equal(selectJsonPath(data, 'name'), null);
  assert.equal(selectJsonPath(data, 'stats.missing'), null);
});

test('--probe forms: kinds, names, what a figure is; bad ones refused in one line naming the flag (exit 64)', () => {
  assert.deepEqual(parseProbeSpec('sys'), { text: 'sys', kind: 'sys', arg: null, name: null, as: null });
  const http = parseProbeSpec('http:http://127.0.0.1:15692/metrics#erlang_vm_memory_bytes_total{kind="processes"}');
  assert.equal(http.kind, 'http');
  assert.equal(http.arg, 'http://127.0.0.1:15692/metrics#erlang_vm_memory_bytes_total{kind="processes"}');
  assert.deepEqual(parseProbeSpec('heap:bytes=cmd:jcmd {pid} GC.heap_info | awk "/used/{print $3}"'), {
    text: 'heap:bytes=cmd:jcmd {pid} GC.heap_info | awk "/used/{print $3}"',
    kind: 'cmd',
    arg: 'jcmd {pid} GC.heap_info | awk "/used/{print $3}"',
    name: 'heap',
    as: 'bytes',
  });
  assert.equal(parseProbeSpec('proc:12,34').arg, '12,34');
  const refusal = (text: string): string => {
    try {
      parseProbeSpec(text);
    } catch (error) {
      assert.ok(isMqleakError(error) && error.exitCode === 64, text);
      assert.doesNotMatch(error.message, /\n/);
      return error.message;
    }
    return assert.fail(`${text} was accepted`);
  };
  assert.match(refusal('heapdump'), /^--probe heapdump: no probe kind 'heapdump'/);
  assert.match(refusal('http:http://127.0.0.1:1/metrics'), /needs a #SELECTOR/);
  assert.match(refusal('http:ftp://x/#a'), /must be http/);
  assert.match(refusal('cmd'), /needs a COMMAND/);
  assert.match(refusal('x:kilos=cmd:echo 1'), /'kilos' is not what a figure can be/);
  assert.match(refusal('proc:abc'), /comma-separated list of PIDs/);
  assert.match(refusal('x=sys'), /only http and cmd probes take a NAME/);
});

test('sys topic map: TOPIC=NAME[:AS], no wildcards, one connection count', () => {
  assert.deepEqual(
    parseSysMap('$SYS/broker/heap/current=heap:bytes,$SYS/broker/clients/connected=clients:connections', 'x'),
    [
      { topic: '$SYS/broker/heap/current', name: 'heap', as: 'bytes' },
      { topic: '$SYS/broker/clients/connected', name: 'clients', as: 'connections' },
    ],
  );
  assert.throws(() => parseSysMap('$SYS/#=all', 'x'), /no wildcards/);
  assert.throws(() => parseSysMap('a=x:connections,b=y:connections', 'x'), /more than one connection count/);
});

test('cgroup probe: v2 memory.current and anon of memory.stat, pids; v1 usage_in_bytes and total_rss', async () => {
  const v2 = new CgroupProbe(CGROUP('v2'));
  await v2.open();
  assert.deepEqual(await v2.read(), { 'cgroup.memory': 73400320, 'cgroup.anon': 41943040, 'cgroup.pids': 12 });
  const v1 = new CgroupProbe(CGROUP('v1'));
  await v1.open();
  assert.deepEqual(await v1.read(), { 'cgroup.memory': 52428800, 'cgroup.anon': 33554432 });
  await assert.rejects(
    new CgroupProbe(CGROUP('nothing-here')).open(),
    /--probe cgroup:.*nothing-here: no memory\.current \(cgroup v2\) or memory\.usage_in_bytes/,
  );
});

test('cmd probe: the first number a real shell command prints, {pid} filled in; failures say why', async () => {
  assert.equal(firstNumber('used 1234.5K of 2048K'), 1234.5);
  assert.equal(firstNumber('none'), null);
  const signal = new AbortController().signal;
  const pid = new CmdProbe({ command: 'echo "pid is {pid}"', name: 'pid', as: 'value', pid: 4242, held: () => 0 });
  assert.deepEqual(await pid.read(0, signal), { 'cmd.pid': 4242 });
  const clients = new CmdProbe({ command: 'echo 7', name: 'clients', as: 'connections', pid: null, held: () => 5 });
  assert.deepEqual(
    clients.metrics.map((metric) => [metric.name, metric.judged]),
    [
      ['cmd.clients', false],
      ['cmd.ghostSessions', true],
    ],
  );
  assert.deepEqual(
    await clients.read(0, signal),
    { 'cmd.clients': 7, 'cmd.ghostSessions': 2 },
    "ghosts: the broker's count minus the connections mqleak holds",
  );
  await assert.rejects(
    new CmdProbe({ command: 'echo nothing', name: null, as: null, pid: null, held: () => 0 }).read(0, signal),
    /printed no number/,
  );
  await assert.rejects(
    new CmdProbe({ command: 'echo oops >&2; exit 3', name: null, as: null, pid: null, held: () => 0 }).read(0, signal),
    /exited 3: oops/,
  );
});

test('proc probe over several processes: proc.* is the sum, proc[PID].* each one', async () => {
  const pids = [process.pid, process.ppid];
  const probe = new ProcClusterProbe(pids);
  const values = await probe.read(0);
  const own = values[`proc[${process.pid}].rss`] ?? 0;
  const parent = values[`proc[${process.ppid}].rss`] ?? 0;
  assert.ok(own > 0 && parent > 0);
  assert.equal(values['proc.rss'], own + parent);
  assert.ok(probe.metrics.some((metric) => metric.name === `proc[${process.ppid}].fds` && metric.judged));
  assert.deepEqual(
    new ProcClusterProbe([process.pid]).metrics.map((metric) => metric.name),
    ['proc.rss', 'proc.rssAnon', 'proc.fds', 'proc.threads', 'proc.swap', 'proc.cpu'],
  );
});

function fakeProbe(id: string, slow: boolean, delayMs: number, fail = false): Probe {
  return {
    id,
    kind: 'cmd',
    source: id,
    metrics: [{ name: `${id}.x`, kind: 'count', unit: 'x', judged: true, description: '' }],
    slow,
    timeoutMs: 150,
    read: async () => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fail) throw new Error(`${id} broke`);
      return { [`${id}.x`]: 1 };
    },
  };
}

test(
  'sampler: a slow probe neither stalls the others nor queues reads; failures and timeouts ' +
    'are counted with the last error',
  async () => {
    const start = Date.now();
    const sampler = new Sampler(
      [
        fakeProbe('fast', false, 1),
        fakeProbe('slow', true, 60),
        fakeProbe('hung', true, 10_000),
        fakeProbe('bad', true, 1, true),
      ],
      20,
      () => Date.now() - start,
    );
    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 600));
    sampler.stop();
    const samples = sampler.store.toArray();
    const fast = samples.filter((sample) => sample.values['fast.x'] !== undefined).length;
    const slow = samples.filter((sample) => sample.values['slow.x'] !== undefined).length;
    assert.ok(fast >= 15, `the fast probe kept its pace (${fast} samples in 600 ms at 20 ms)`);
    assert.ok(slow >= 3 && slow < fast / 2, `the slow probe read when it could (${slow})`);
    const stats = Object.fromEntries(sampler.probeStats().map(({ probe, stats: s }) => [probe.id, s]));
    assert.ok((stats.slow?.skipped ?? 0) > 0, 'ticks skipped while the slow read ran');
    assert.ok((stats.hung?.timeouts ?? 0) >= 2, 'the hung probe timed out');
    assert.match(stats.hung?.lastError?.message ?? '', /no reading within 150 ms/);
    assert.ok((stats.bad?.failures ?? 0) >= 10);
    assert.equal(stats.bad?.lastError?.message, 'bad broke');
  },
);

test('older reports: bare proc names are read as proc.*', async () => {
  assert.equal(canonicalMetricName('rss'), 'proc.rss');
  assert.equal(canonicalMetricName('sys.heap'), 'sys.heap');
  assert.equal(legacyMetricName('proc.fds'), 'fds');
  assert.equal(legacyMetricName('sys.heap'), null);
  const old = JSON.parse(
    await readFile(new URL('../../fixtures/reports/quick-leak.json', import.meta.url), 'utf8'),
  ) as RunReport;
  const renamed = withNamespacedMetrics(old);
  const scenario = renamed.scenarios[0];
  assert.ok(scenario?.metrics.some((metric) => metric.name === 'proc.rss'));
  assert.ok(scenario?.metrics.every((metric) => metric.name.startsWith('proc.')));
  assert.ok(scenario?.cycles.every((cycle) => Object.keys(cycle.floors).every((name) => name.startsWith('proc.'))));
  assert.ok(scenario?.samples.every((sample) => 'proc.rss' in sample && !('rss' in sample)));
  assert.deepEqual(withNamespacedMetrics(renamed), renamed, 'a namespaced report is unchanged');
});

test('--process NAME: every process whose command name or program matches, this one left out', async () => {
  const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { processesMatching } = await import('../../../src/sample/process-match.js');
  const root = await mkdtemp(path.join(os.tmpdir(), 'mqleak-proc-'));
  const fake = async (pid: number, comm: string, argv: string[]): Promise<void> => {
    await mkdir(path.join(root, String(pid)));
    await writeFile(path.join(root, String(pid), 'comm'), `${comm}\n`);
    await writeFile(path.join(root, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
  };
  await fake(101, 'beam.smp', ['/usr/lib/erlang/erts-13.1.5/bin/beam.smp', '-W', 'w']);
  await fake(102, 'beam.smp', ['/usr/lib/erlang/erts-13.1.5/bin/beam.smp']);
  await fake(103, 'node', ['node', '/opt/broker/mosquitto-like.js']);
  await fake(104, 'sh', ['/bin/sh', '-c', 'exec /usr/sbin/mosquitto -c x']);
  await fake(process.pid, 'beam.smp', ['beam.smp']);
  assert.deepEqual(await processesMatching('beam.smp', root), [101, 102]);
  assert.deepEqual(await processesMatching('mosquitto', root), []);
  assert.deepEqual(await processesMatching('node', root), [103]);
});
