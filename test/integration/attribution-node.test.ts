// --attribute on Node brokers: real V8 heap snapshots at every floor of real broker processes.
// Ground truth: the fixture broker (test/fixtures/leaky-broker.mjs) with `--leak-on topic=4096` keeps one
// Buffer of 4096 bytes per topic ever published to, in a Map; topic-churn publishes to a new topic per operation.
// The top constructor must be Buffer, judged LEAK at about its size, with a retainer path through the Map.
// Started with --spawn "node …": the snapshots come over the inspector. The embedded Aedes broker, clean, takes its
// snapshots over its IPC channel and reports no constructor above δ. Without --attribute (and without
// --no-attribute), the fixture's LEAK is attributed by itself in a second, instrumented run: the report keeps the
// plain verdict of record and carries the rerun's sites with both rates.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { NODE_BROKER_ENV, NODE_BROKER_EXEC_ARGV } from '../../src/target/node-broker-runtime.js';
import { EXPLAINED_SHARE_TARGET } from '../../src/verdict/judge-attribution.js';
import { freePort, REPO_ROOT } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

/** Per new topic: far above the δ of a quick run and any constructor's own noise. */
const TOPIC_LEAK_BYTES = 4096;
/** The issue's bar for a site's size, used here against the injected size (the ground truth). */
const SITE_TOLERANCE = 0.3;

describe('--attribute with V8 heap snapshots on Node brokers', () => {
  test('the fixture leaking a Buffer per topic (--spawn, inspector): Buffer is the top constructor', async (t) => {
    const port = await freePort();
    const broker = [
      process.execPath,
      ...NODE_BROKER_EXEC_ARGV,
      path.join(REPO_ROOT, 'test/fixtures/leaky-broker.mjs'),
      '--port',
      String(port),
      '--leak-on',
      `topic=${TOPIC_LEAK_BYTES}`,
    ].join(' ');
    const result = await runCli(
      [
        'run',
        'topic-churn',
        '--quick',
        '--attribute',
        '--spawn',
        broker,
        '--broker',
        `mqtt://127.0.0.1:${port}`,
        // The fixture collects on SIGUSR2: the RSS floors are post-GC, as the snapshots are.
        '--gc-cmd',
        'kill -USR2 {pid}',
      ],
      { env: { ...NODE_BROKER_ENV } },
    );
    const scenario = result.report?.scenarios[0];
    const rss = scenario?.metrics.find((metric) => metric.name === 'proc.rss');
    const attribution = scenario?.attribution;
    assert.ok(rss && attribution, result.stderr);
    const top = attribution.sites[0];
    t.diagnostic(
      `rss ${rss.bytesPerOp?.toFixed(1)} B/op; ${attribution.sites
        .map((site) => `${site.label} ` + `${site.bytesPerOp?.toFixed(1)} ${site.verdict}`)
        .join('; ')}; ${attribution.snapshots} snapshots, ` +
        `${attribution.traceBytes} B; path ${top?.frames.join(' < ')}`,
    );
    assert.equal(result.code, 1, rss.reason);
    assert.equal(attribution.status, 'ok', attribution.note);
    assert.equal(attribution.tool, 'v8-heap-snapshot');
    assert.equal(top?.label, 'Buffer', JSON.stringify(attribution.sites.map((site) => site.label)));
    assert.equal(top.verdict, 'leak', top.reason);
    assert.ok(
      top.bytesPerOp !== null && Math.abs(top.bytesPerOp - TOPIC_LEAK_BYTES) <= SITE_TOLERANCE * TOPIC_LEAK_BYTES,
      `${top.bytesPerOp} B/op for ${TOPIC_LEAK_BYTES} injected`,
    );
    assert.ok(
      top.frames.some((frame) => frame.startsWith('Map.')),
      `the retainer path goes through the Map of topics: ${top.frames.join(' < ')}`,
    );
    assert.ok((top.liveCount ?? 0) > 0);
    assert.equal(attribution.verdictOfRecord, 'instrumented');
    assert.match(result.stdout, /where it grows \(V8 heap snapshots/);
    assert.match(result.stdout, /1\. Buffer: /);
  });

  test("a plain run LEAK is attributed by itself: the rerun's sites beside the plain verdict and rate", async (t) => {
    const port = await freePort();
    const broker = [
      process.execPath,
      ...NODE_BROKER_EXEC_ARGV,
      path.join(REPO_ROOT, 'test/fixtures/leaky-broker.mjs'),
      '--port',
      String(port),
      '--leak-on',
      `topic=${TOPIC_LEAK_BYTES}`,
    ].join(' ');
    const result = await runCli(
      [
        'run',
        'topic-churn',
        '--quick',
        '--spawn',
        broker,
        '--broker',
        `mqtt://127.0.0.1:${port}`,
        '--gc-cmd',
        'kill -USR2 {pid}',
      ],
      { env: { ...NODE_BROKER_ENV }, autoAttribute: true },
    );
    const scenario = result.report?.scenarios[0];
    const rss = scenario?.metrics.find((metric) => metric.name === 'proc.rss');
    const attribution = scenario?.attribution;
    assert.ok(scenario && rss && attribution, result.stderr);
    t.diagnostic(
      `plain rss ${rss.bytesPerOp?.toFixed(1)} B/op, ` +
        `instrumented ${attribution.instrumentedRssBytesPerOp?.toFixed(1)} B/op, ` +
        `heap ${attribution.heapBytesPerOp?.toFixed(1)} B/op; explained ${attribution.explainedShare}; ` +
        `${attribution.opsPerSecond.plain?.toFixed(0)} / ${attribution.opsPerSecond.instrumented?.toFixed(0)} ops/s; ` +
        `rerun ${attribution.rerun?.wallMs} ms; ${attribution.sites.map((site) => site.label).join(', ')}`,
    );
    assert.equal(result.code, 1, rss.reason);
    assert.equal(scenario.verdict, 'leak', 'the plain run is the verdict of record');
    assert.equal(attribution.status, 'ok', attribution.note);
    assert.equal(attribution.verdictOfRecord, 'plain');
    assert.equal(attribution.rerun?.scenario, 'topic-churn', 'the leaking scenario was run again');
    assert.equal(attribution.opsPerSecond.plain, scenario.opsPerSecond, 'the plain rate is the plain run’s');
    assert.ok((attribution.opsPerSecond.instrumented ?? 0) > 0, 'the instrumented rate beside it');
    assert.equal(attribution.rssBytesPerOp, rss.bytesPerOp, 'the sites are compared with the plain RSS slope');
    assert.ok(attribution.instrumentedRssBytesPerOp !== undefined, 'the instrumented RSS slope is kept beside it');
    assert.equal(attribution.sites[0]?.label, 'Buffer', JSON.stringify(attribution.sites.map((site) => site.label)));
    // What the snapshots hold in all is measured by the same snapshots as the sites: most of it is the Buffers.
    const explained = attribution.sites.reduce((sum, site) => sum + (site.bytesPerOp ?? 0), 0);
    const heap = attribution.heapBytesPerOp ?? null;
    assert.ok(heap !== null && heap > 0, 'the slope of what the snapshots hold');
    assert.ok(explained >= EXPLAINED_SHARE_TARGET * heap, `${explained} B/op of the ${heap} B/op the snapshots hold`);
    assert.match(result.stdout + result.stderr, /again with the broker instrumented/);
    assert.match(result.stdout, /where it grows \(V8 heap snapshots/);
    assert.match(result.stdout, /verdict\s+of\s+record\s+is\s+the\s+plain\s+run/);
  });

  test('the embedded Aedes broker, clean (IPC snapshots): connect-churn reports no constructor above δ', async (t) => {
    const result = await runCli(['run', 'connect-churn', '--quick', '--set', 'keepaliveExpiryShare=0', '--attribute']);
    const scenario = result.report?.scenarios[0];
    const attribution = scenario?.attribution;
    assert.ok(scenario && attribution, result.stderr);
    t.diagnostic(
      `${scenario.verdict}; ${attribution.sitesJudged} judged; ` +
        attribution.sites.map((site) => `${site.label} ${site.bytesPerOp?.toFixed(2)} ${site.verdict}`).join('; '),
    );
    assert.equal(attribution.status, 'ok', attribution.note);
    assert.equal(attribution.tool, 'v8-heap-snapshot');
    assert.ok((attribution.snapshots ?? 0) >= scenario.cycles.length, 'a snapshot at every floor');
    assert.ok(attribution.sitesJudged > 0, 'constructors did move between floors: they were judged');
    assert.deepEqual(
      attribution.sites.filter((site) => site.verdict !== 'pass').map((site) => `${site.label} ${site.verdict}`),
      [],
      'every constructor reported is below δ',
    );
  });
});
