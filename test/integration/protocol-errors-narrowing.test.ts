// Ground truth for protocol-errors: the fixture broker with its error-path leak modes, and a native MQTT
// server leaking on one property-list error path. Short walks with a GC hook (`--gc-cmd "kill -USR2 {pid}"`:
// the fixture's floors are post-GC), never the defaults (the default run is protocol-errors.test.ts's, on
// Debian's Mosquitto):
// - narrowing of subscribe-option among cases that differ only in the position of the bad entry (a bad
//   filter with no valid one before it does not reach the mode) and a clean case of another family: the
//   case with the valid prefix is the one named, with its bytes, and the scenario file narrowing writes
//   reproduces the LEAK as `mqleak run FILE`;
// - the native server: protocol-errors-leaks.test.ts.
// Several modes at once, each LEAK in its own family: pending/protocol-errors-apart.test.ts (flaky, not in CI).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixtureBroker, type TestBroker } from '../../helpers/brokers.js';
import { runCli } from '../../helpers/cli.js';
import { caseShape, GC_HOOK, rss, scenario, sets, walk } from '../../helpers/protocol-walk.js';

/** Mode, its bytes, the case with a valid prefix before the bad entry, the same bad entry first, a clean case elsewhere. */
const NARROWED: [mode: string, bytes: number, leaking: string, nearMiss: string, elsewhere: string][] = [
  [
    'subscribe-option',
    262_144,
    'subscribe.qos-3@1.v311',
    'subscribe.qos-3@0.v311',
    'packet-order.unknown-id-puback.v311',
  ],
];

for (const [mode, bytes, leaking, nearMiss, elsewhere] of NARROWED)
  describe(`fixture broker leaking ${bytes} B per ${mode}: narrowed to ${leaking}`, () => {
    let broker: TestBroker;
    let result: Awaited<ReturnType<typeof runCli>>;
    before(async () => {
      broker = await startFixtureBroker(0, ['--leak-on', `${mode}=${bytes}`]);
      result = await walk(broker, sets(caseShape([nearMiss, leaking, elsewhere])));
    });
    after(async () => broker?.stop());

    test('LEAK, exit 1, narrowed to the case with the valid prefix: its words, bytes, rule and answers', () => {
      assert.equal(result.code, 1, result.stderr);
      const narrowing = scenario(result.report).narrowing;
      assert.ok(narrowing, 'narrowing ran');
      assert.equal(narrowing.outcome, 'case', narrowing.summary);
      assert.equal(narrowing.case?.id, leaking, narrowing.summary);
      assert.ok((narrowing.case?.description ?? '').length > 0, 'the case in words');
      assert.match(narrowing.case?.bytesHex ?? '', /^10/, 'the bytes sent, in hex, from the CONNECT');
      assert.match(narrowing.case?.rule ?? '', /MQTT (3\.1\.1|5\.0) §\d/);
      assert.ok(Object.keys(narrowing.case?.answers ?? {}).length > 0, 'what the broker answered');
      const nearTry = narrowing.tries.find((entry) => entry.caseId === nearMiss);
      if (nearTry !== undefined) assert.notEqual(nearTry.verdict, 'leak', 'the bad entry alone does not leak');
    });

    test('the scenario file narrowing wrote runs as `mqleak run FILE` and is LEAK', async () => {
      const file = scenario(result.report).narrowing?.reproFile;
      assert.ok(typeof file === 'string', 'a repro scenario file');
      const rerun = await runCli([
        'run',
        file,
        '--broker',
        broker.url,
        '--pid',
        String(broker.pid),
        '--no-html',
        '--no-narrow',
        ...GC_HOOK,
      ]);
      assert.equal(rss(scenario(rerun.report)).verdict, 'leak', rerun.stderr);
      assert.equal(rerun.code, 1, rerun.stderr);
    });
  });
