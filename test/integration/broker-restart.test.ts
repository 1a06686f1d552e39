// A broker that is restarted mid-run (same port, new PID: what a supervisor does) is named as such: exit 3,
// the old and new PID in the error and the report, the report kept. The test plays the supervisor with real
// Mosquitto processes and a real SIGKILL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findListeningPids } from '../../src/target/find-listener.js';
import { readReportFile } from '../../src/report/read-report.js';
import { startMosquitto } from '../helpers/brokers.js';
import { startCli, waitFor } from '../helpers/processes.js';

test('Mosquitto SIGKILLed and restarted on the same port mid-run: exit 3 naming both PIDs, report kept', {
  timeout: 120_000,
}, async () => {
  const first = await startMosquitto();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-restart-'));
  const config = path.join(dir, 'mosquitto.conf');
  await writeFile(
    config,
    [`listener ${first.port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ''].join('\n'),
  );
  let second: ReturnType<typeof spawn> | null = null;
  try {
    const cli = await startCli(['run', 'connect-churn', '--broker', first.url, '--pid', String(first.pid)]);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    process.kill(first.pid, 'SIGKILL');
    second = spawn('mosquitto', ['-c', config], { stdio: 'ignore' });
    const newPid = await waitFor('the restarted broker listens', 10_000, async () => {
      const pids = await findListeningPids(first.port);
      return pids.find((pid) => pid !== first.pid) ?? null;
    });
    const timer = setTimeout(() => cli.child.kill('SIGKILL'), 60_000);
    const { code } = await cli.exited;
    clearTimeout(timer);
    assert.equal(code, 3, cli.stderr());
    const files = (await readdir(cli.out)).filter((name) => name.endsWith('.json'));
    assert.ok(files[0] !== undefined, 'the report was kept');
    const report = await readReportFile(path.join(cli.out, files[0]));
    assert.equal(report.exitCode, 3);
    assert.match(
      report.error?.message ?? '',
      new RegExp(`restarted during connect-churn: pid ${first.pid} is gone and pid ${newPid} now listens`),
    );
    assert.equal(report.target?.pid, first.pid);
    assert.equal(report.target?.restartedPid, newPid);
    assert.ok((report.scenarios[0]?.samples.length ?? 0) > 0, 'what was measured before is kept');
  } finally {
    if (second?.pid !== undefined) process.kill(second.pid, 'SIGTERM');
    await first.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
