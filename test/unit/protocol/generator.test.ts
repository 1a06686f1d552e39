// The case generator: deterministic from its seed, every case traced to a rule of the standard, every
// list walked with a valid prefix then one bad entry, and selection errors that name what exists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMqleakError } from '../../../src/core/errors.js';
import { protocolErrors, protocolErrorsVariants, validConnect } from '../../../src/patterns/protocol-errors.js';
import type { CaseContext } from '../../../src/protocol/cases.js';
import { badEntries } from '../../../src/protocol/lists.js';
import { familyNames, walkFamily } from '../../../src/protocol/generator.js';
import { allowedFromClient, CLIENT_BLOCKS, PROPERTIES, repeatableIn } from '../../../src/protocol/properties.js';
import { cite, RULES } from '../../../src/protocol/rules.js';

const CONTEXT: CaseContext = { clientId: 'c', topicPrefix: 'mqleak/t', receiveMaximum: 20, topicAliasMaximum: 10 };
const OPTIONS = { credentials: true, seed: 1 };

function params(extra: Record<string, string | number> = {}) {
  const defaults = Object.fromEntries(
    Object.entries(protocolErrors.params).map(([name, spec]) => [name, spec.default]),
  );
  return { ...defaults, ...extra };
}

test('the families the issue asks for exist, each with cases', () => {
  const names = familyNames();
  for (const name of [
    'connect-fields',
    'connect-properties',
    'will-properties',
    'publish-properties',
    'ack-properties',
    'subscribe',
    'unsubscribe',
    'truncation',
    'surplus',
    'remaining-length',
    'packet-order',
    'flow-control',
  ])
    assert.ok(names.includes(name), name);
  for (const name of names) assert.ok(walkFamily(name, OPTIONS).cases.length > 0, name);
});

test('every case cites a section of the standard at its own level and builds bytes', () => {
  for (const name of familyNames()) {
    for (const base of walkFamily(name, OPTIONS).bases) {
      assert.ok(base.rule in RULES, base.id);
      assert.match(cite(base.rule, base.level), /^MQTT (3\.1\.1|5\.0) §\d/, base.id);
      const item = walkFamily(name, OPTIONS).cases.find((c) => c.base === base);
      assert.ok(item, base.id);
      const spec = validConnect(item, 'c', 'mqleak/t/will', { username: 'u', password: 'p' }, 30);
      const packets = base.build(spec, CONTEXT);
      assert.ok(packets.length > 0 && packets.every((p) => p.bytes.length > 0), base.id);
    }
  }
});

test('the same seed gives the same order; another seed another order, same set', () => {
  const a = walkFamily('connect-properties', OPTIONS).cases.map((c) => c.id);
  const b = walkFamily('connect-properties', OPTIONS).cases.map((c) => c.id);
  const c = walkFamily('connect-properties', { ...OPTIONS, seed: 2 }).cases.map((x) => x.id);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual([...a].sort(), [...c].sort());
  assert.equal(new Set(a).size, a.length, 'case ids are unique');
});

test('every client property block is walked with prefixes 0..2 then each kind of bad entry', () => {
  for (const block of CLIENT_BLOCKS) {
    const kinds = new Set(badEntries(block).map((entry) => entry.name.split('-')[0]));
    for (const kind of ['not', 'length', 'unknown', 'block']) assert.ok(kinds.has(kind), `${block}: ${kind}`);
    // A duplicate exists wherever the block allows a property that may appear only once (UNSUBSCRIBE allows only User
    // Property).
    const single = PROPERTIES.some((def) => allowedFromClient(def, block) && !repeatableIn(def, block));
    assert.equal(kinds.has('duplicate'), single, `${block}: duplicate`);
  }
  const ids = walkFamily('connect-properties', OPTIONS).bases.map((b) => b.id);
  for (const prefix of [0, 1, 2])
    assert.ok(ids.includes(`connect-properties.duplicate-sessionExpiryInterval@${prefix}.v5`));
  assert.ok(ids.includes('connect-properties.not-allowed-topicAlias@1.v5'));
  assert.ok(walkFamily('subscribe', OPTIONS).bases.some((b) => b.id === 'subscribe.qos-3@2.v311'));
});

test(
  'crossings: sessions, wills, credentials (CONNECT cases only), three ways out; truncation only closes or ' +
    'goes silent',
  () => {
    const cases = walkFamily('connect-fields', OPTIONS).cases.filter(
      (c) => c.base.id === 'connect-fields.reserved-flag.v5',
    );
    assert.equal(cases.length, 2 * 2 * 2 * 3);
    const trunc = walkFamily('truncation', OPTIONS).cases;
    assert.ok(trunc.every((c) => c.leave !== 'disconnect'));
    assert.ok(walkFamily('subscribe', { credentials: false, seed: 1 }).cases.every((c) => !c.id.includes('creds')));
  },
);

test('variants: one family per cycle in rotation; restrict picks one family or one case', () => {
  const families = protocolErrorsVariants.families(params());
  assert.deepEqual(families, familyNames());
  const only = protocolErrorsVariants.restrict(params(), 'surplus', 'surplus.connect-inside.v311');
  assert.deepEqual(protocolErrorsVariants.families(only), ['surplus']);
  const cases = protocolErrorsVariants.cases(only, 'surplus');
  assert.deepEqual(
    cases.map((c) => c.id),
    ['surplus.connect-inside.v311'],
  );
  assert.match(cases[0]?.rule ?? '', /MQTT 3\.1\.1 §2\.2\.3/);
  assert.match(cases[0]?.bytesHex ?? '', /^10/, 'a CONNECT');
});

test("the family alone keeps the run's case selection within that family", () => {
  const chosen = params({ cases: 'subscribe.qos-3@0.v311,subscribe.qos-3@1.v311,surplus.connect-inside.v311' });
  const family = protocolErrorsVariants.restrict(chosen, 'subscribe');
  assert.deepEqual(protocolErrorsVariants.families(family), ['subscribe']);
  assert.deepEqual(
    protocolErrorsVariants.cases(family, 'subscribe').map((c) => c.id),
    ['subscribe.qos-3@0.v311', 'subscribe.qos-3@1.v311'],
  );
  const all = protocolErrorsVariants.restrict(params(), 'subscribe');
  assert.ok(protocolErrorsVariants.cases(all, 'subscribe').length > 2, 'no selection: the whole family');
});

test('an unknown family or case: a usage error (exit 64) listing what exists', () => {
  for (const extra of [{ families: 'nope' }, { cases: 'nope.case' }] as Record<string, string>[]) {
    try {
      protocolErrorsVariants.families(params(extra));
      assert.fail('expected a usage error');
    } catch (error) {
      assert.ok(isMqleakError(error) && error.exitCode === 64, String(error));
      assert.match(`${error.message} ${error.hint}`, /connect-fields|surplus/);
    }
  }
});
