// Ground truth for protocol-errors: the fixture broker with its error-path leak modes, and a native MQTT
// server leaking on one property-list error path. Short walks with a GC hook (`--gc-cmd "kill -USR2 {pid}"`:
// the fixture's floors are post-GC), never the defaults (the default run is protocol-errors.test.ts's, on
// Debian's Mosquitto):
// - narrowing of four fixture leak modes: protocol-errors-narrowing.test.ts;
// - the native server: LEAK with its --leak error path, PASS without.
// Several modes at once, each LEAK in its own family: pending/protocol-errors-apart.test.ts (flaky, not in CI).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';
import { familyShape, figures, rss, scenario, sets } from '../helpers/protocol-walk.js';

describe('native MQTT server leaking its property list on one error path (c-leak/property-broker.c)', () => {
  let dir: string;
  let binary: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-property-broker-'));
    binary = path.join(dir, 'property-broker');
    await promisify(execFile)('cc', [
      '-O2',
      '-o',
      binary,
      path.join(REPO_ROOT, 'test/fixtures/c-leak/property-broker.c'),
    ]);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function runAgainst(leak: boolean): Promise<Awaited<ReturnType<typeof runCli>>> {
    const child = spawn(binary, ['--port', '0', ...(leak ? ['--leak'] : [])], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /listening on port (\d+)/.exec(chunk.toString());
          if (match?.[1] !== undefined) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`property-broker exited with ${code}`)));
      });
      // Native: no garbage collector, so no GC hook; its floors are its own.
      return await runCli([
        'run',
        'protocol-errors',
        '--broker',
        `mqtt://127.0.0.1:${port}`,
        '--pid',
        String(child.pid),
        '--no-html',
        '--no-narrow',
        ...sets(familyShape(['connect-properties'])),
      ]);
    } finally {
      child.kill('SIGTERM');
    }
  }

  test('with --leak: LEAK, exit 1', async (t) => {
    const result = await runAgainst(true);
    const metric = rss(scenario(result.report));
    t.diagnostic(figures(metric));
    assert.equal(metric.verdict, 'leak', metric.reason);
    assert.equal(result.code, 1, result.stderr);
  });

  test('without it: PASS, exit 0', async () => {
    const result = await runAgainst(false);
    const metric = rss(scenario(result.report));
    assert.equal(metric.verdict, 'pass', metric.reason);
    assert.equal(result.code, 0, result.stderr);
  });
});
