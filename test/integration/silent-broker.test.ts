// A broker that stops answering — SIGSTOP'd Mosquitto, SIGSTOP'd embedded broker, a listener that accepts and
// never speaks — ends the run with exit 3 and evidence within the bound the report states; never a hang.
// Real processes, real signals. The bound is mqleak's promise (ANSWER_BOUND_MS), not a speed timer.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { RunReport } from '../../src/core/report-model.js';
import { ANSWER_BOUND_MS, PING_INTERVAL_MS } from '../../src/run/liveness-watch.js';
import { readReportFile } from '../../src/report/read-report.js';
import { startMosquitto, startTcpPeer } from '../helpers/brokers.js';
import { childrenOf, startCli, waitFor, type RunningCli } from '../helpers/processes.js';

/** The promise: detected within the bound plus one ping interval; the rest is stopping and writing the report. */
const PROMISED_MS = ANSWER_BOUND_MS + PING_INTERVAL_MS;
/** Stopping the load, the target and writing the report after detection: bounded waits of a few seconds each. */
const WIND_DOWN_MS = 20_000;
const TEST_TIMEOUT_MS = 150_000;

async function report(cli: RunningCli): Promise<RunReport> {
  const files = (await readdir(cli.out)).filter((name) => name.endsWith('.json'));
  assert.ok(files[0] !== undefined, `a report was written; stderr: ${cli.stderr()}`);
  // Read as `mqleak report` reads it: schema-checked, the packed sample series unpacked.
  return readReportFile(path.join(cli.out, files[0]));
}

/** Exit code and ms from `fromMs`; fails the test (and kills the CLI) past the promise. */
async function exitWithin(cli: RunningCli, fromMs: number): Promise<{ code: number | null; ms: number }> {
  const bound = PROMISED_MS + WIND_DOWN_MS;
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), bound);
  const { code } = await cli.exited;
  clearTimeout(timer);
  const ms = Date.now() - fromMs;
  assert.ok(ms < bound, `mqleak ended ${ms} ms after the broker went silent (bound ${bound} ms)`);
  return { code, ms };
}

function assertSilentEvidence(result: RunReport, stderr: string, state: RegExp): void {
  assert.equal(result.exitCode, 3);
  assert.equal(result.verdict, 'error');
  assert.equal(result.error?.kind, 'target');
  assert.match(result.error?.message ?? '', /stopped answering: no (CONNACK|PINGRESP) within \d+ s/);
  assert.match(result.error?.message ?? '', state);
  assert.equal(result.settings.answerBoundMs, ANSWER_BOUND_MS, 'the report states the bound');
  assert.match(stderr, /stopped answering/);
}

test('Mosquitto SIGSTOP’d in the settle phase (baseline): exit 3, state T in the evidence', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const broker = await startMosquitto();
  try {
    const cli = await startCli([
      'run',
      'connect-churn',
      '--broker',
      broker.url,
      '--pid',
      String(broker.pid),
      '--set',
      'baselineSeconds=120',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    process.kill(broker.pid, 'SIGSTOP');
    const stoppedAt = Date.now();
    const { code } = await exitWithin(cli, stoppedAt);
    process.kill(broker.pid, 'SIGCONT');
    assert.equal(code, 3, cli.stderr());
    const result = await report(cli);
    assertSilentEvidence(result, cli.stderr(), /state T: stopped/);
    // Cut in the baseline's settle: no load phase began (the recovery phase after it is bounded and brief).
    const phases = result.scenarios[0]?.phases.map((phase) => phase.name) ?? [];
    assert.equal(phases[0], 'baseline');
    assert.ok(!phases.includes('warmup') && !phases.includes('measured'), `phases: ${phases.join(', ')}`);
    assert.equal(result.scenarios[0]?.cycles.length, 0);
  } finally {
    process.kill(broker.pid, 'SIGCONT');
    await broker.stop();
  }
});

test('Mosquitto SIGSTOP’d during the load, $SYS probe on: exit 3, no hang in the load or the probe', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const broker = await startMosquitto(['sys_interval 1']);
  try {
    const cli = await startCli([
      'run',
      'connect-churn',
      '--broker',
      broker.url,
      '--pid',
      String(broker.pid),
      '--probe',
      'sys',
      '--set',
      'baselineSeconds=1',
      '--set',
      'operationsPerCycle=1000000',
    ]);
    // Into the first cycle's load: the baseline is 1 s, a cycle of a million connections takes minutes.
    await new Promise((resolve) => setTimeout(resolve, 7000));
    process.kill(broker.pid, 'SIGSTOP');
    const { code } = await exitWithin(cli, Date.now());
    process.kill(broker.pid, 'SIGCONT');
    assert.equal(code, 3, cli.stderr());
    const result = await report(cli);
    assertSilentEvidence(result, cli.stderr(), /state T: stopped/);
    // The load had begun (a warm-up phase) when the broker stopped. A brief recovery phase may follow,
    // depending on whether the abort or the failed check came first.
    const phases = result.scenarios[0]?.phases.map((phase) => phase.name) ?? [];
    assert.ok(phases.includes('warmup'), `phases: ${phases.join(', ')}`);
  } finally {
    process.kill(broker.pid, 'SIGCONT');
    await broker.stop();
  }
});

test('a listener that accepts and never speaks: exit 3 within the bound, no CONNACK named', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const peer = await startTcpPeer(() => undefined);
  try {
    const cli = await startCli([
      'run',
      'connect-churn',
      '--broker',
      `mqtt://127.0.0.1:${peer.port}`,
      '--pid',
      String(process.pid),
    ]);
    const { code } = await exitWithin(cli, Date.now());
    assert.equal(code, 3, cli.stderr());
    const result = await report(cli);
    assertSilentEvidence(result, cli.stderr(), /state [SR]/);
    assert.match(result.error?.message ?? '', /no CONNACK/);
  } finally {
    await peer.close();
  }
});

test('the embedded broker SIGSTOP’d: exit 3, and it is still stopped (killed), not left behind', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const cli = await startCli(['run', 'connect-churn', '--quick']);
  const broker = await waitFor('the embedded broker started', 20_000, async () => {
    return (await childrenOf(cli.pid)).find((child) => child.cmd.includes('embedded-broker-main')) ?? null;
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  process.kill(broker.pid, 'SIGSTOP');
  const { code } = await exitWithin(cli, Date.now());
  assert.equal(code, 3, cli.stderr());
  assertSilentEvidence(await report(cli), cli.stderr(), /state T: stopped/);
  assert.equal(
    await readFile(`/proc/${broker.pid}/stat`, 'utf8').catch(() => 'gone'),
    'gone',
    'the stopped broker was killed',
  );
});
