// Reads a V8 heap snapshot (.heapsnapshot: flat `nodes`/`edges` arrays described by `snapshot.meta`, names in
// `strings`) into what attribution judges: count and bytes per constructor, and a short retainer path from a GC
// root to one instance. Pure: the JSON in, summaries out.

/** The parts of the .heapsnapshot format read here (V8's HeapSnapshotJSONSerializer). */
export interface HeapSnapshotJson {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
    node_count?: number;
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Count and bytes of one constructor's live instances. */
export interface ConstructorTotals {
  count: number;
  /** Self sizes, plus the ArrayBuffer backing stores the instances own (a Buffer's bytes live outside the heap). */
  bytes: number;
}

/** Backing stores of ArrayBuffers: native nodes whose bytes belong to the JS object that holds them. */
const BACKING_STORE_NAME = 'system / JSArrayBufferData';
/** Types grouped under one name each, as the DevTools summary does: their node names are contents, not classes. */
const GROUPED_TYPES: Record<string, string> = {
  string: '(string)',
  'concatenated string': '(string)',
  'sliced string': '(string)',
  array: '(array)',
  code: '(compiled code)',
  closure: '(closure)',
  regexp: '(regexp)',
  number: '(number)',
  bigint: '(bigint)',
  symbol: '(symbol)',
  hidden: '(system)',
  'object shape': '(system)',
};

/** Field offsets and enum tables of one snapshot, checked once. */
class Layout {
  readonly nodeFields: number;
  readonly edgeFields: number;
  readonly type: number;
  readonly name: number;
  readonly id: number;
  readonly selfSize: number;
  readonly edgeCount: number;
  readonly edgeType: number;
  readonly edgeName: number;
  readonly edgeTo: number;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  /** Index into `nodes` of each node's first edge in `edges`. */
  readonly firstEdge: Uint32Array;

  constructor(readonly json: HeapSnapshotJson) {
    const meta = json.snapshot.meta;
    const field = (fields: string[], name: string): number => {
      const at = fields.indexOf(name);
      if (at === -1) throw new Error(`heap snapshot: no "${name}" in its meta fields`);
      return at;
    };
    this.nodeFields = meta.node_fields.length;
    this.edgeFields = meta.edge_fields.length;
    this.type = field(meta.node_fields, 'type');
    this.name = field(meta.node_fields, 'name');
    this.id = field(meta.node_fields, 'id');
    this.selfSize = field(meta.node_fields, 'self_size');
    this.edgeCount = field(meta.node_fields, 'edge_count');
    this.edgeType = field(meta.edge_fields, 'type');
    this.edgeName = field(meta.edge_fields, 'name_or_index');
    this.edgeTo = field(meta.edge_fields, 'to_node');
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    const count = json.nodes.length / this.nodeFields;
    this.firstEdge = new Uint32Array(count + 1);
    let edge = 0;
    for (let k = 0; k < count; k++) {
      this.firstEdge[k] = edge;
      edge += (json.nodes[k * this.nodeFields + this.edgeCount] as number) * this.edgeFields;
    }
    this.firstEdge[count] = edge;
    if (edge !== json.edges.length) throw new Error('heap snapshot: edge counts do not add up to its edges');
  }

  get nodeCount(): number {
    return this.firstEdge.length - 1;
  }
  nodeType(k: number): string {
    return this.nodeTypes[this.json.nodes[k * this.nodeFields + this.type] as number] ?? '?';
  }
  nodeName(k: number): string {
    return this.json.strings[this.json.nodes[k * this.nodeFields + this.name] as number] ?? '';
  }
  nodeId(k: number): number {
    return this.json.nodes[k * this.nodeFields + this.id] as number;
  }
  nodeSize(k: number): number {
    return this.json.nodes[k * this.nodeFields + this.selfSize] as number;
  }
  edgeTarget(e: number): number {
    return (this.json.edges[e + this.edgeTo] as number) / this.nodeFields;
  }
  edgeKind(e: number): string {
    return this.edgeTypes[this.json.edges[e + this.edgeType] as number] ?? '?';
  }
  /** Property name, or `[index]` for elements and hidden edges (their name field is a number). */
  edgeLabel(e: number): string {
    const kind = this.edgeKind(e);
    const raw = this.json.edges[e + this.edgeName] as number;
    return kind === 'element' || kind === 'hidden' ? `[${raw}]` : (this.json.strings[raw] ?? '?');
  }
}

/** The name a node is counted under: its constructor for objects and native nodes, a group for the rest. */
export function constructorOf(type: string, name: string): string {
  return GROUPED_TYPES[type] ?? (name === '' ? `(${type})` : name);
}

/**
 * Count and bytes per constructor. A backing store's bytes go to the view holding its ArrayBuffer (a `Buffer`,
 * a `Uint8Array`), or to the ArrayBuffer when no view holds it: that is the class a developer knows.
 */
export function summarizeSnapshot(json: HeapSnapshotJson): Map<string, ConstructorTotals> {
  const layout = new Layout(json);
  const owner = new Int32Array(layout.nodeCount).fill(-1);
  for (let k = 0; k < layout.nodeCount; k++) {
    for (let e = layout.firstEdge[k] as number; e < (layout.firstEdge[k + 1] as number); e += layout.edgeFields) {
      if (layout.edgeKind(e) === 'weak') continue;
      const to = layout.edgeTarget(e);
      const toType = layout.nodeType(to);
      const storeOfBuffer = toType === 'native' && layout.nodeName(to) === BACKING_STORE_NAME;
      const bufferOfView =
        toType === 'object' && layout.nodeName(to) === 'ArrayBuffer' && layout.edgeLabel(e) === 'buffer';
      if ((storeOfBuffer || bufferOfView) && owner[to] === -1) owner[to] = k;
    }
  }
  const totals = new Map<string, ConstructorTotals>();
  const add = (name: string, count: number, bytes: number): void => {
    const entry = totals.get(name) ?? { count: 0, bytes: 0 };
    entry.count += count;
    entry.bytes += bytes;
    totals.set(name, entry);
  };
  for (let k = 0; k < layout.nodeCount; k++) {
    const type = layout.nodeType(k);
    const name = layout.nodeName(k);
    if (type === 'native' && name === BACKING_STORE_NAME && owner[k] !== -1) {
      // Up to the ArrayBuffer, then to its view when there is one.
      const buffer = owner[k] as number;
      const holder = owner[buffer] !== -1 ? (owner[buffer] as number) : buffer;
      add(constructorOf(layout.nodeType(holder), layout.nodeName(holder)), 0, layout.nodeSize(k));
      continue;
    }
    add(constructorOf(type, name), 1, layout.nodeSize(k));
  }
  return totals;
}

/** Node types whose ids come from ranges of their own (far above the heap objects'), so they say nothing of age. */
const UNORDERED_ID_TYPES = new Set(['native', 'synthetic']);

/**
 * The highest heap object id in the snapshot: V8 keeps ids across the snapshots of one process and gives new
 * objects higher ones, so an object above it in a later snapshot was made since.
 */
export function maxObjectId(json: HeapSnapshotJson): number {
  const layout = new Layout(json);
  let max = 0;
  for (let k = 0; k < layout.nodeCount; k++)
    if (!UNORDERED_ID_TYPES.has(layout.nodeType(k))) max = Math.max(max, layout.nodeId(k));
  return max;
}

/** Edges shown in a retainer path: the ones nearest the instance say most (its holder, and the holder's holder). */
export const RETAINER_PATH_EDGES = 6;

/**
 * For each wanted constructor, the path from a GC root to one typical instance, as lines `Holder.edge` nearest the
 * instance first, at most `maxEdges` of them. Shortest paths by breadth-first search from the snapshot's root over
 * strong edges, as DevTools' retainers view orders them. Typical: the newest instance among those held by the
 * holder class that holds most of them; only instances newer than `sinceId` count (those made after an earlier
 * floor and still alive: the growth, not a cache filled at start).
 */
export function retainerPaths(
  json: HeapSnapshotJson,
  wanted: readonly string[],
  sinceId = 0,
  maxEdges = RETAINER_PATH_EDGES,
): Map<string, string[]> {
  const layout = new Layout(json);
  const want = new Set(wanted);
  // Parent edge of each node on a shortest strong path from the root (node 0); -1: not reached.
  const parentEdge = new Int32Array(layout.nodeCount).fill(-1);
  const parentNode = new Int32Array(layout.nodeCount).fill(-1);
  const queue = new Uint32Array(layout.nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parentNode[0] = 0;
  while (head < tail) {
    const k = queue[head++] as number;
    for (let e = layout.firstEdge[k] as number; e < (layout.firstEdge[k + 1] as number); e += layout.edgeFields) {
      const kind = layout.edgeKind(e);
      if (kind === 'weak' || kind === 'shortcut') continue;
      const to = layout.edgeTarget(e);
      if (parentNode[to] !== -1) continue;
      parentNode[to] = k;
      parentEdge[to] = e;
      queue[tail++] = to;
    }
  }
  const nameOf = (k: number): string => (k === 0 ? '(root)' : constructorOf(layout.nodeType(k), layout.nodeName(k)));
  // Per wanted constructor and holder class: how many instances, and the newest one.
  const groups = new Map<string, Map<string, { count: number; node: number; id: number }>>();
  for (let k = 0; k < layout.nodeCount; k++) {
    const name = nameOf(k);
    if (!want.has(name) || parentNode[k] === -1 || layout.nodeId(k) <= sinceId) continue;
    const byHolder = groups.get(name) ?? new Map<string, { count: number; node: number; id: number }>();
    groups.set(name, byHolder);
    const holder = nameOf(parentNode[k] as number);
    const group = byHolder.get(holder) ?? { count: 0, node: k, id: layout.nodeId(k) };
    group.count++;
    if (layout.nodeId(k) >= group.id) Object.assign(group, { node: k, id: layout.nodeId(k) });
    byHolder.set(holder, group);
  }
  const paths = new Map<string, string[]>();
  for (const [name, byHolder] of groups) {
    const typical = [...byHolder.values()].sort((a, b) => b.count - a.count)[0];
    if (typical === undefined) continue;
    const lines: string[] = [];
    let at = typical.node;
    while (at !== 0 && lines.length < maxEdges) {
      const holder = parentNode[at] as number;
      lines.push(`${nameOf(holder)}.${layout.edgeLabel(parentEdge[at] as number)}`);
      at = holder;
    }
    if (at !== 0) lines.push('…');
    paths.set(name, lines);
  }
  return paths;
}
