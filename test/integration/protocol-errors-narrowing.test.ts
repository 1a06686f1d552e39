// Ground truth for protocol-errors: the fixture broker with its error-path leak modes, and a native MQTT
// server leaking on one property-list error path. Short walks with a GC hook (`--gc-cmd "kill -USR2 {pid}"`:
// the fixture's floors are post-GC), never the defaults (the default run is protocol-errors.test.ts's, on
// Debian's Mosquitto):
// - narrowing of four leak modes, one at a time: each walk holds the case that reaches the mode, a case of the
//   same family that does not (for a bad entry in a list: the same bad entry with no valid one before it) and
//   a clean case of another family. The case that reaches the mode is the one named, with its bytes, and the
//   scenario file narrowing writes reproduces the LEAK as `mqleak run FILE`;
// - the native server: protocol-errors-leaks.test.ts.
// Several modes at once, each LEAK in its own family: pending/protocol-errors-apart.test.ts (flaky, not in CI).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixtureBroker, type TestBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';
import { caseShape, GC_HOOK, rss, scenario, sets, walk } from '../helpers/protocol-walk.js';

/**
 * Mode, its bytes, the case that reaches it, a case of the same family that does not (for subscribe-option and
 * property-prefix: the same bad entry with no valid one before it), a clean case of another family. The bytes
 * are large so that each try decides in its eight cycles on a garbage-collected broker: half of a family's
 * operations leak, and qos2-reuse leaks once per reused id, several times per operation. Measured cycles of the
 * walk: six (three per family), ten for qos2-reuse, whose unread client makes the broker's floors swing by tens of
 * KB/op in every family (three cycles a family left the clean one INCONCLUSIVE at ±44-88 KB/op, so narrowing was
 * not called for; five a family: ±17 KB/op).
 */
const NARROWED: [mode: string, bytes: number, leaking: string, nearMiss: string, elsewhere: string, cycles: number][] =
  [
    [
      'subscribe-option',
      262_144,
      'subscribe.qos-3@1.v311',
      'subscribe.qos-3@0.v311',
      'packet-order.unknown-id-puback.v311',
      6,
    ],
    [
      'property-prefix',
      262_144,
      'connect-properties.not-allowed-serverKeepAlive@1.v5',
      'connect-properties.not-allowed-serverKeepAlive@0.v5',
      'packet-order.unknown-id-puback.v311',
      6,
    ],
    [
      'surplus-connect',
      262_144,
      'surplus.connect-inside.v311',
      'surplus.pingreq-after.v311',
      'packet-order.unknown-id-puback.v311',
      6,
    ],
    [
      'qos2-reuse',
      16_384,
      'flow-control.qos2-id-reuse.v311',
      'flow-control.topic-alias-unknown.v5',
      'packet-order.unknown-id-puback.v311',
      10,
    ],
  ];

for (const [mode, bytes, leaking, nearMiss, elsewhere, cycles] of NARROWED)
  describe(`fixture broker leaking ${bytes} B per ${mode}: narrowed to ${leaking}`, () => {
    let broker: TestBroker;
    let result: Awaited<ReturnType<typeof runCli>>;
    before(async () => {
      broker = await startFixtureBroker(0, ['--leak-on', `${mode}=${bytes}`]);
      result = await walk(broker, sets([...caseShape([nearMiss, leaking, elsewhere]), `cycles=${cycles}`]));
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
      if (nearTry !== undefined) assert.notEqual(nearTry.verdict, 'leak', 'the case that does not reach the mode');
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
