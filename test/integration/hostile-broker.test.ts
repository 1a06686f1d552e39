// A hostile broker cannot exhaust mqleak (issue 17 item 7): a real process (test/fixtures/hostile-broker.mjs) that
// floods, announces 256 MB, drips one byte a second or never closes. Each run ends with exit 3 and evidence
// naming what the broker did, within a bound, with mqleak's own memory and descriptors bounded. The four modes
// run at once (one fixture process each): the file takes about as long as its slowest mode (~15–30 s).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ANSWER_BOUND_MS, CLOSE_BOUND_MS, PING_INTERVAL_MS } from '../../src/run/liveness-watch.js';
import { readReportFile } from '../../src/report/read-report.js';
import { REPO_ROOT } from '../helpers/brokers.js';
import { startCli } from '../helpers/processes.js';

/** Stopping the load and the target and writing the report after detection: bounded waits of a few seconds each. */
const WIND_DOWN_MS = 20_000;
/** mqleak's own resident memory at most, whatever the broker announces (far under the 256 MB it announces). */
const MAX_OWN_RSS_BYTES = 400 * 1024 * 1024;
/** mqleak's own open descriptors at most: a quick connect-churn holds a few dozen; a leak per connection shows. */
const MAX_OWN_FDS = 256;

interface Mode {
  name: string;
  /** When mqleak has promised to be done, from its start. */
  boundMs: number;
  evidence: RegExp;
}

const MODES: Mode[] = [
  // Named at the first packet on the liveness connection: the bound is wind-down only.
  { name: 'flood', boundMs: WIND_DOWN_MS, evidence: /a PUBLISH packet announcing \d+ bytes/ },
  { name: 'huge-length', boundMs: WIND_DOWN_MS, evidence: /announced a packet of 268435460 bytes \(type 2\)/ },
  // The CONNACK takes 4 s, the PUBLISH header 2–4 s more; at worst it is the answer bound's silence, with the bytes.
  {
    name: 'slow-drip',
    boundMs: ANSWER_BOUND_MS + PING_INTERVAL_MS + WIND_DOWN_MS,
    evidence: /a PUBLISH packet announcing \d+ bytes|it sent \d+ bytes meanwhile, not a whole answer/,
  },
  {
    name: 'never-close',
    boundMs: CLOSE_BOUND_MS + WIND_DOWN_MS,
    evidence: /kept a connection open 10 s after mqleak's DISCONNECT and FIN/,
  },
];

async function startHostile(mode: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'test/fixtures/hostile-broker.mjs'), '--mode', mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening on port (\d+)/.exec(chunk.toString());
      if (match?.[1] !== undefined) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`hostile broker exited with code ${code}`)));
  });
  return { child, port };
}

/** The most a process held while it ran: its peak RSS (VmHWM) and its open descriptors, read every 200 ms. */
function watchOwnResources(pid: number): { stop: () => { hwmBytes: number; maxFds: number } } {
  let hwmBytes = 0;
  let maxFds = 0;
  const timer = setInterval(() => {
    void readFile(`/proc/${pid}/status`, 'utf8')
      .then((status) => {
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
        hwmBytes = Math.max(hwmBytes, kb * 1024);
      })
      .catch(() => undefined);
    void readdir(`/proc/${pid}/fd`)
      .then((fds) => {
        maxFds = Math.max(maxFds, fds.length);
      })
      .catch(() => undefined);
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      return { hwmBytes, maxFds };
    },
  };
}

describe('a hostile broker', { concurrency: MODES.length }, () => {
  for (const mode of MODES) {
    it(`${mode.name}: exit 3 naming what it did, within the bound; mqleak's memory and fds bounded`, {
      timeout: mode.boundMs + 30_000,
    }, async () => {
      const broker = await startHostile(mode.name);
      try {
        const startedAt = Date.now();
        const cli = await startCli([
          'run',
          'connect-churn',
          '--quick',
          '--broker',
          `mqtt://127.0.0.1:${broker.port}`,
          '--pid',
          String(broker.child.pid),
        ]);
        const own = watchOwnResources(cli.pid);
        const killer = setTimeout(() => cli.child.kill('SIGKILL'), mode.boundMs);
        const { code } = await cli.exited;
        clearTimeout(killer);
        const took = Date.now() - startedAt;
        const { hwmBytes, maxFds } = own.stop();
        assert.ok(took < mode.boundMs, `mqleak ended ${took} ms after its start (bound ${mode.boundMs} ms)`);
        assert.equal(code, 3, cli.stderr());
        const files = (await readdir(cli.out)).filter((name) => name.endsWith('.json'));
        assert.ok(files[0] !== undefined, `a report was written; stderr: ${cli.stderr()}`);
        const report = await readReportFile(path.join(cli.out, files[0]));
        assert.equal(report.exitCode, 3);
        assert.equal(report.error?.kind, 'target');
        assert.match(report.error?.message ?? '', mode.evidence);
        assert.match(cli.stderr(), mode.evidence);
        const inbound = report.selfProcesses?.inboundBuffered;
        assert.ok(inbound !== undefined, 'the self-check states what the broker made mqleak hold');
        assert.ok(inbound.peakBytes <= inbound.budgetBytes, `${inbound.peakBytes} bytes held at most`);
        assert.ok(hwmBytes > 0 && hwmBytes < MAX_OWN_RSS_BYTES, `mqleak's peak RSS ${hwmBytes} bytes`);
        assert.ok(maxFds < MAX_OWN_FDS, `mqleak held ${maxFds} descriptors at most`);
      } finally {
        broker.child.kill('SIGTERM');
      }
    });
  }
});
