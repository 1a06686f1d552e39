// SIGTERM, SIGHUP and SIGINT handled alike; a second signal quits at once; no child outlives mqleak, even
// after SIGKILL. Real processes, real signals: the CLI as a user runs it, a spawned Mosquitto, the embedded broker.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { RunReport } from '../../src/core/report-model.js';
import { findListeningPids } from '../../src/target/find-listener.js';
import { readReportFile } from '../../src/report/read-report.js';
import { freePort } from '../helpers/brokers.js';
import { childrenOf, startCli, survivorsAfter, waitFor, type RunningCli } from '../helpers/processes.js';

/** Bound on a test: every wait in it is bounded well below. */
const TEST_TIMEOUT_MS = 120_000;
/** How long the run loads the broker before it is signalled: into the first cycles. */
const LOAD_BEFORE_SIGNAL_MS = 4000;
/** mqleak's children must be gone this soon after it exits or dies (the watchdog's grace is 3 s). */
const CHILDREN_GONE_MS = 6000;

async function readReport(cli: RunningCli): Promise<RunReport | null> {
  const files = (await readdir(cli.out)).filter((name) => name.endsWith('.json'));
  if (files[0] === undefined) return null;
  // Read as `mqleak report` reads it: schema-checked, the packed sample series unpacked.
  return readReportFile(path.join(cli.out, files[0]));
}

async function spawnedMosquittoRun(): Promise<{ cli: RunningCli; brokerPid: number; port: number }> {
  const port = await freePort();
  const cli = await startCli([
    'run',
    'connect-churn',
    '--spawn',
    `mosquitto -p ${port}`,
    '--broker',
    `mqtt://127.0.0.1:${port}`,
  ]);
  const brokerPid = await waitFor('the spawned Mosquitto listens', 20_000, async () => {
    const pids = await findListeningPids(port);
    return pids[0] ?? null;
  });
  return { cli, brokerPid, port };
}

for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
  test(`${signal} on a run with --spawn mosquitto: partial report, interrupted by ${signal}, exit 2, broker stopped`, {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { cli, brokerPid } = await spawnedMosquittoRun();
    await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_SIGNAL_MS));
    process.kill(cli.pid, signal);
    const exit = await cli.exited;
    assert.equal(exit.code, 2, cli.stderr());
    assert.match(cli.stderr(), new RegExp(`interrupted by ${signal}: finishing the report`));
    const report = await readReport(cli);
    assert.ok(report !== null, 'the report was written');
    assert.equal(report.interrupted, true);
    assert.equal(report.interruptedBy, signal);
    assert.equal(report.exitCode, 2);
    assert.equal(report.scenarios[0]?.name, 'connect-churn');
    assert.ok((report.scenarios[0]?.samples.length ?? 0) > 0, 'what was measured is kept');
    assert.deepEqual(await survivorsAfter([brokerPid], CHILDREN_GONE_MS), [], 'the spawned broker was stopped');
    assert.ok(await readdir(cli.out).then((names) => names.some((name) => name.endsWith('.html'))), 'HTML too');
  });
}

test('a second SIGTERM quits at once with 143 and still stops the spawned broker', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const { cli, brokerPid } = await spawnedMosquittoRun();
  await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_SIGNAL_MS));
  process.kill(cli.pid, 'SIGTERM');
  await waitFor('the first signal is acknowledged', 5000, async () =>
    cli.stderr().includes('finishing the report') ? true : null,
  );
  process.kill(cli.pid, 'SIGTERM');
  const exit = await cli.exited;
  assert.equal(exit.code, 143, cli.stderr());
  assert.match(cli.stderr(), /second signal \(SIGTERM\): quitting at once/);
  assert.deepEqual(await survivorsAfter([brokerPid], CHILDREN_GONE_MS), [], 'the spawned broker was stopped');
});

test('SIGKILL of mqleak: the spawned Mosquitto and its watchdog do not outlive it', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const { cli, brokerPid } = await spawnedMosquittoRun();
  await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_SIGNAL_MS));
  const children = (await childrenOf(cli.pid)).map((child) => child.pid);
  assert.ok(children.includes(brokerPid), 'the broker is a child of mqleak');
  process.kill(cli.pid, 'SIGKILL');
  assert.equal((await cli.exited).signal, 'SIGKILL');
  assert.deepEqual(await survivorsAfter(children, CHILDREN_GONE_MS), [], 'every child of mqleak is gone');
});

test('SIGKILL of mqleak: the embedded broker does not outlive it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const cli = await startCli(['run', 'connect-churn', '--quick']);
  const broker = await waitFor('the embedded broker started', 20_000, async () => {
    const found = (await childrenOf(cli.pid)).find((child) => child.cmd.includes('embedded-broker-main'));
    return found ?? null;
  });
  await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_SIGNAL_MS));
  const children = (await childrenOf(cli.pid)).map((child) => child.pid);
  process.kill(cli.pid, 'SIGKILL');
  await cli.exited;
  assert.deepEqual(await survivorsAfter([broker.pid, ...children], CHILDREN_GONE_MS), []);
});

test('SIGTERM on a run with the embedded broker: report with interruptedBy, broker stopped', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const cli = await startCli(['run', 'connect-churn', '--quick']);
  const broker = await waitFor('the embedded broker started', 20_000, async () => {
    const found = (await childrenOf(cli.pid)).find((child) => child.cmd.includes('embedded-broker-main'));
    return found ?? null;
  });
  await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_SIGNAL_MS));
  process.kill(cli.pid, 'SIGTERM');
  assert.equal((await cli.exited).code, 2, cli.stderr());
  const report = await readReport(cli);
  assert.equal(report?.interruptedBy, 'SIGTERM');
  assert.deepEqual(await survivorsAfter([broker.pid], CHILDREN_GONE_MS), []);
});
