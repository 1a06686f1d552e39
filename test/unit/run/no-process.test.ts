// A broker without a visible process (another host, a hidden container PID): the run goes ahead on the
// probes that read it from outside, or is refused before any connection with a one-line usage error.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { isMqleakError } from '../../../src/core/errors.js';
import { checkReport } from '../../../src/report/read-report.js';
import { renderHtml } from '../../../src/report/html/render-html.js';
import { renderTable } from '../../../src/report/terminal/table.js';
import type { RunReport } from '../../../src/core/report-model.js';
import { runsWithoutProcess, type ProcessChoiceInput } from '../../../src/run/plan/no-process.js';
import { prepareRun } from '../../../src/run/run.js';
import { startSelfCheck } from '../../../src/run/self/self-check.js';
import { parseProbeSpecs } from '../../../src/sample/build-probes.js';
import { resolveTarget } from '../../../src/target/resolve-target.js';
import { mainCli as cli } from '../../helpers/main-cli.js';

function choice(overrides: Partial<Omit<ProcessChoiceInput, 'specs'>> & { probes?: string[] }): boolean {
  const { probes = [], ...rest } = overrides;
  return runsWithoutProcess({ noProc: false, extraPids: [], specs: parseProbeSpecs(probes), ...rest });
}

function usage(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isMqleakError(error), String(error));
    assert.equal(error.exitCode, 64);
    assert.match(error.message, message);
    assert.ok(!error.message.includes('\n') && !(error.hint ?? '').includes('\n'), 'one line');
    return true;
  });
}

test(
  'the no-PID decision: --no-proc, or a remote broker with a probe that reads it from ' +
    'outside; every other case unchanged',
  () => {
    assert.equal(choice({ broker: 'mqtt://127.0.0.1:1883', noProc: true, probes: ['sys'] }), true);
    assert.equal(choice({ broker: 'mqtt://10.1.2.3:1883', probes: ['sys'] }), true, 'another host: implied');
    assert.equal(
      choice({ broker: 'mqtts://broker.example:8883', probes: ['http:http://broker.example:9100/metrics#heap_bytes'] }),
      true,
    );
    assert.equal(
      choice({
        broker: 'mqtt://10.1.2.3:1883',
        probes: ['heap=cmd:ssh broker cat /run/heap'],
        gcCommand: 'ssh broker kill -USR1 1',
      }),
      true,
      'commands without {pid} are fine',
    );
    // Unchanged: local brokers, a PID or spawn given, the embedded broker, proc figures asked for.
    assert.equal(choice({ broker: 'mqtt://127.0.0.1:1883', probes: ['sys'] }), false);
    assert.equal(choice({ broker: 'mqtt://localhost:1883' }), false);
    assert.equal(choice({ broker: 'mqtt://10.1.2.3:1883', pid: 42, probes: ['sys'] }), false);
    assert.equal(choice({ probes: ['sys'] }), false);
    assert.equal(choice({ broker: 'mqtt://10.1.2.3:1883', probes: ['sys'], processName: 'beam.smp' }), false);
    assert.equal(choice({ broker: 'mqtt://10.1.2.3:1883', probes: ['sys', 'proc:77'] }), false);
  },
);

test('the no-PID refusals: one line, exit 64, naming the flag and what would work', () => {
  usage(
    () => choice({ broker: 'mqtt://10.1.2.3:1883' }),
    /cannot see the process of mqtt:\/\/10\.1\.2\.3:1883: it is not on this machine, and no --probe reads it from outside/,
  );
  usage(() => choice({ broker: 'mqtt://127.0.0.1:1883', noProc: true }), /--no-proc: no probe left to sample/);
  usage(
    () => choice({ broker: 'mqtt://127.0.0.1:1883', noProc: true, pid: 12, probes: ['sys'] }),
    /--no-proc with --pid/,
  );
  usage(
    () => choice({ broker: 'mqtt://127.0.0.1:1883', noProc: true, spawn: 'mosquitto', probes: ['sys'] }),
    /--no-proc with --spawn/,
  );
  usage(
    () => choice({ broker: 'mqtt://127.0.0.1:1883', noProc: true, processName: 'mosquitto', probes: ['sys'] }),
    /--no-proc with --process/,
  );
  usage(
    () => choice({ broker: 'mqtt://127.0.0.1:1883', noProc: true, probes: ['sys', 'proc:77'] }),
    /--no-proc with --probe proc:77/,
  );
  usage(() => choice({ noProc: true, probes: ['sys'] }), /--no-proc without --broker/);
  usage(
    () =>
      choice({
        broker: 'mqtt://10.1.2.3:1883',
        probes: ['sys', "rss=cmd:awk '/VmRSS/ {print $2}' /proc/{pid}/status"],
      }),
    /--probe rss=cmd:.*\{pid\} needs the broker's process, and this run has none \(the broker is on another host\)/,
  );
  usage(
    () => choice({ broker: 'mqtt://127.0.0.1:1883', noProc: true, probes: ['sys'], gcCommand: 'jcmd {pid} GC.run' }),
    /--gc-cmd jcmd \{pid\} GC\.run: \{pid\} needs the broker's process, and this run has none \(--no-proc\)/,
  );
  // The hint says which probes would work.
  try {
    choice({ broker: 'mqtt://10.1.2.3:1883' });
  } catch (error) {
    assert.ok(isMqleakError(error));
    for (const probe of ['--probe sys', 'http:URL#SELECTOR', 'cgroup:PATH', 'cmd:COMMAND'])
      assert.ok(error.hint?.includes(probe), `${probe} in the hint: ${error.hint}`);
  }
});

test(
  'the CLI: --no-proc refusals are exit 64 with one line and a hint, no stack trace; ' +
    'prepareRun records the decision',
  async () => {
    const none = await cli(['run', 'connect-churn', '--broker', 'mqtt://127.0.0.1:9', '--no-proc']);
    assert.equal(none.code, 64);
    assert.match(
      none.stderr,
      /^mqleak: --no-proc: no probe left to sample\n {2}hint: add a probe that reads the broker from outside: --probe sys/,
    );
    assert.doesNotMatch(none.stderr, /\n\s+at /, 'no stack trace');
    const remote = await cli(['run', 'connect-churn', '--broker', 'mqtt://192.0.2.1:1883']);
    assert.equal(remote.code, 64);
    assert.match(remote.stderr, /cannot see the process of mqtt:\/\/192\.0\.2\.1:1883/);
    const gc = await cli([
      'run',
      'connect-churn',
      '--broker',
      'mqtt://192.0.2.1:1883',
      '--probe',
      'sys',
      '--gc-cmd',
      'kill -USR2 {pid}',
    ]);
    assert.equal(gc.code, 64);
    assert.match(gc.stderr, /--gc-cmd kill -USR2 \{pid\}: \{pid\} needs the broker's process/);

    const prepared = await prepareRun({
      scenarios: ['connect-churn'],
      quick: true,
      overrides: [],
      target: { broker: 'mqtt://192.0.2.1:1883' },
      probes: ['sys'],
    });
    assert.equal(prepared.options.target.noProc, true, 'a remote broker with a probe runs without its process');
    const local = await prepareRun({
      scenarios: ['connect-churn'],
      quick: true,
      overrides: [],
      target: { broker: 'mqtt://127.0.0.1:1883' },
      probes: ['sys'],
    });
    assert.equal(local.options.target.noProc, false);
  },
);

test(
  'a no-process target: pid null, its own kind, a --gc-cmd without {pid} runs as written; ' +
    'the self-check excludes nothing',
  async () => {
    // A bare TCP listener: resolveTarget only checks the port is reachable (no MQTT spoken, no load).
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const target = await resolveTarget({ broker: `mqtt://127.0.0.1:${port}`, noProc: true, gcCommand: 'true' });
      assert.equal(target.pid, null);
      assert.equal(target.kind, 'no-process');
      assert.match(target.description, /no process watched/);
      assert.equal(target.canForceGc, true);
      assert.equal(await target.forceGc(), true, 'the command ran and exited 0');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const self = await startSelfCheck(null, 50, () => 0);
    self.sampler.stop();
    assert.deepEqual(self.excludedPids, []);
  },
);

test('a report with target.pid null is valid (schema) and rendered', async () => {
  const report = JSON.parse(
    await readFile(new URL('../../fixtures/reports/quick-clean.json', import.meta.url), 'utf8'),
  ) as RunReport;
  assert.ok(report.target !== null);
  const remote: RunReport = {
    ...report,
    target: {
      ...report.target,
      kind: 'no-process',
      pid: null,
      description: 'broker at mqtt://10.1.2.3:1883 (no process watched: judged by its probes)',
    },
  };
  assert.equal(
    checkReport(JSON.parse(JSON.stringify(remote)), 'no-process report').target?.pid,
    null,
    'valid against schema/report.schema.json',
  );
  assert.throws(
    () => checkReport({ ...remote, target: { ...remote.target, pid: 'none' } }, 'bad'),
    /not a valid mqleak report/,
    'pid is an integer or null, nothing else',
  );
  assert.match(renderTable(remote, new Chalk({ level: 0 }), 120), /no process watched/);
  assert.match(renderHtml(remote), /no process watched/);
});
