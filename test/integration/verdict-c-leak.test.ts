// A C-level leak in a real C broker: Debian's Mosquitto with an LD_PRELOAD library that mallocs 256 B per
// accepted connection and never frees it (test/fixtures/c-leak/leak-on-accept.c, compiled here with cc).
// Flagged LEAK at the defaults, with a size near what malloc takes for 256 B. Mosquitto without the library
// PASSes the same scenario: test/integration/mosquitto.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const INJECTED_BYTES = 256;
/** What glibc's malloc takes for a 256-byte request on 64-bit Linux: an 8-byte size header, rounded up to 16. */
const MALLOC_CHUNK_BYTES = 272;
/** The same bar as the fixture-broker test: the measured bytes/op within 30 % of what the broker really loses. */
const LEAK_SIZE_TOLERANCE = 0.3;
const SCENARIO = 'health-check-churn';

describe('Mosquitto with a C-level leak of 256 B per connection (LD_PRELOAD)', () => {
  let dir: string;
  let broker: TestBroker;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-c-leak-'));
    const library = path.join(dir, 'leak-on-accept.so');
    await promisify(execFile)('cc', [
      '-shared',
      '-fPIC',
      '-O2',
      '-o',
      library,
      path.join(REPO_ROOT, 'test/fixtures/c-leak/leak-on-accept.c'),
      '-ldl',
    ]);
    broker = await startMosquitto([], { LD_PRELOAD: library, MQLEAK_LEAK_PER_ACCEPT: String(INJECTED_BYTES) });
  });
  after(async () => {
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test(
    `${SCENARIO} at the defaults: LEAK, exit 1, bytes/op near the ${MALLOC_CHUNK_BYTES} B ` +
      `malloc takes for ${INJECTED_BYTES} B`,
    async (t) => {
      const result = await runCli(['run', SCENARIO, '--broker', broker.url, '--pid', String(broker.pid)]);
      const scenario = result.report?.scenarios[0];
      const rss = scenario?.metrics.find((metric) => metric.name === 'proc.rss');
      assert.ok(rss, result.stderr);
      t.diagnostic(
        `rss ${rss.bytesPerOp?.toFixed(1)} B/op ` +
          `[${rss.ci?.map((v) => v.toFixed(1)).join(', ')}], ${scenario?.operations} ` +
          `connections in ${((result.report?.durationMs ?? 0) / 1000).toFixed(0)} s`,
      );
      assert.equal(result.code, 1, `${rss.verdict}: ${rss.reason}`);
      assert.equal(rss.verdict, 'leak', rss.reason);
      assert.ok(rss.ci !== null && rss.ci[0] > rss.thresholdPerOp, 'the interval clears the 64 B/op threshold');
      assert.ok(
        rss.bytesPerOp !== null &&
          Math.abs(rss.bytesPerOp - MALLOC_CHUNK_BYTES) <= LEAK_SIZE_TOLERANCE * MALLOC_CHUNK_BYTES,
        `${rss.bytesPerOp} B/op`,
      );
      // A C broker shows no garbage-collection rhythm: its floors stay the settle floors.
      assert.equal(rss.floorMethod?.kind, 'settle', rss.floorMethod?.why);
      for (const name of ['proc.fds', 'proc.threads']) {
        const count = scenario?.metrics.find((metric) => metric.name === name);
        assert.equal(count?.verdict, 'pass', `${name}: the leak is memory only; ${count?.reason}`);
      }
    },
  );
});
