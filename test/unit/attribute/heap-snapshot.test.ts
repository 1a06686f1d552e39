// The .heapsnapshot reader on a real snapshot of a small node process: a class held there is
// counted with its self size, a Buffer's bytes (kept outside the heap) go to Buffer, and the retainer path of a
// typical instance names what holds it. One hand-made snapshot checks the format errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  constructorOf,
  type HeapSnapshotJson,
  maxObjectId,
  retainerPaths,
  summarizeSnapshot,
} from '../../../src/attribute/heap-snapshot.js';

const INSTANCES = 64;
const BUFFER_BYTES = 8192;
/** What a bare node process adds in Buffers of its own between two snapshots, at most. */
const OWN_BUFFER_BYTES = 256 * 1024;

/** Small Buffers made before the first snapshot (a cache filled at start): more of them than of the new ones. */
const OLD_BUFFERS = 4 * INSTANCES;

/**
 * A small node process (not this one: tsx makes its heap ten times bigger): a cache of old Buffers in an Object,
 * a first snapshot, then sessions and Buffers held in Maps and a second snapshot.
 */
const HOLDER = `
const v8 = require('node:v8');
globalThis.cache = {};
for (let k = 0; k < ${OLD_BUFFERS}; k++) cache[k] = Buffer.from([k & 255]);
v8.writeHeapSnapshot(process.argv[1]);
class HeldSession { constructor(id) { this.id = id; } }
globalThis.byTopic = new Map();
for (let k = 0; k < ${INSTANCES}; k++) byTopic.set('topic/' + k, new HeldSession(k));
globalThis.buffers = new Map();
for (let k = 0; k < ${INSTANCES}; k++) buffers.set(k, Buffer.alloc(${BUFFER_BYTES}, 1));
v8.writeHeapSnapshot(process.argv[2]);
`;

let dir: string;
let first: HeapSnapshotJson;
let snapshot: HeapSnapshotJson;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqleak-snapshot-'));
  const [a, b] = [path.join(dir, 'first.heapsnapshot'), path.join(dir, 'last.heapsnapshot')];
  execFileSync(process.execPath, ['-e', HOLDER, a, b]);
  first = JSON.parse(readFileSync(a, 'utf8')) as HeapSnapshotJson;
  snapshot = JSON.parse(readFileSync(b, 'utf8')) as HeapSnapshotJson;
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a real snapshot: instances of a class and the bytes of Buffers, counted per constructor', () => {
  const totals = summarizeSnapshot(snapshot);
  assert.equal(totals.get('HeldSession')?.count, INSTANCES);
  assert.ok((totals.get('HeldSession')?.bytes ?? 0) >= INSTANCES * 8, 'each instance has a self size');
  // The Buffers' bytes live in backing stores outside the V8 heap: they are counted with Buffer.
  const grown = (totals.get('Buffer')?.bytes ?? 0) - (summarizeSnapshot(first).get('Buffer')?.bytes ?? 0);
  assert.ok(grown >= INSTANCES * BUFFER_BYTES, `Buffer grew by ${grown} B`);
  assert.ok(grown < INSTANCES * BUFFER_BYTES + OWN_BUFFER_BYTES, `Buffer grew by ${grown} B, not much more`);
});

test('retainer paths of the instances made since the first snapshot: the Map, not the older and bigger cache', () => {
  const since = maxObjectId(first);
  const newer = retainerPaths(snapshot, ['Buffer'], since).get('Buffer') ?? [];
  assert.ok(
    newer.slice(0, 3).some((line) => line.startsWith('Map.')),
    `newer Buffers: ${newer}`,
  );
  const all = retainerPaths(snapshot, ['Buffer']).get('Buffer') ?? [];
  assert.ok(all[0]?.startsWith('Object.'), `all Buffers, the cache holds most: ${all}`);
});

test('a real snapshot: the retainer path of a typical instance names the Map that holds it', () => {
  const paths = retainerPaths(snapshot, ['HeldSession', 'NoSuchClass']);
  const found = paths.get('HeldSession') ?? [];
  assert.ok(found.length > 0 && found.length <= 7, JSON.stringify(found));
  assert.ok(
    found.slice(0, 3).some((line) => line.startsWith('Map.')),
    `the Map is among the nearest holders: ${found}`,
  );
  assert.equal(paths.has('NoSuchClass'), false);
});

test('constructor names: objects by constructor, strings and code grouped as DevTools does', () => {
  assert.equal(constructorOf('object', 'Client'), 'Client');
  assert.equal(constructorOf('concatenated string', 'ab'), '(string)');
  assert.equal(constructorOf('code', '(builtin)'), '(compiled code)');
  assert.equal(constructorOf('native', ''), '(native)');
});

test('a snapshot whose edges do not add up is refused with a reason', () => {
  const broken: HeapSnapshotJson = {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [['object']],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [['property']],
      },
    },
    nodes: [0, 0, 1, 16, 2],
    edges: [0, 0, 0],
    strings: [''],
  };
  assert.throws(() => summarizeSnapshot(broken), /edge counts do not add up/);
});
