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
  retainerPaths,
  summarizeSnapshot,
} from '../../../src/attribute/heap-snapshot.js';

const INSTANCES = 64;
const BUFFER_BYTES = 8192;
/** What a bare node process holds in Buffers of its own, at most (its 8 KiB pool and a few small ones). */
const OWN_BUFFER_BYTES = 256 * 1024;

/** A small node process (not this one: tsx makes its heap ten times bigger) that holds known objects. */
const HOLDER = `
class HeldSession { constructor(id) { this.id = id; } }
globalThis.byTopic = new Map();
for (let k = 0; k < ${INSTANCES}; k++) byTopic.set('topic/' + k, new HeldSession(k));
globalThis.buffers = Array.from({ length: ${INSTANCES} }, () => Buffer.alloc(${BUFFER_BYTES}, 1));
require('node:v8').writeHeapSnapshot(process.argv[1]);
`;

let dir: string;
let snapshot: HeapSnapshotJson;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqleak-snapshot-'));
  const file = path.join(dir, 'holder.heapsnapshot');
  execFileSync(process.execPath, ['-e', HOLDER, file]);
  snapshot = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshotJson;
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a real snapshot: instances of a class and the bytes of Buffers, counted per constructor', () => {
  const totals = summarizeSnapshot(snapshot);
  assert.equal(totals.get('HeldSession')?.count, INSTANCES);
  assert.ok((totals.get('HeldSession')?.bytes ?? 0) >= INSTANCES * 8, 'each instance has a self size');
  // The Buffers' bytes live in backing stores outside the V8 heap: they are counted with Buffer.
  const bytes = totals.get('Buffer')?.bytes ?? 0;
  assert.ok(bytes >= INSTANCES * BUFFER_BYTES, `Buffer holds ${bytes} B`);
  assert.ok(bytes < INSTANCES * BUFFER_BYTES + OWN_BUFFER_BYTES, `Buffer holds ${bytes} B, not much more`);
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
