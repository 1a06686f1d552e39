// A dotted path into a JSON document (`stats.connections.count`, `nodes.0.mem_used`): enough for the
// status endpoints brokers expose, without a query language.

/** The number at `path` in `data`; a numeric string counts; null when the path leads elsewhere. */
export function selectJsonPath(data: unknown, path: string): number | null {
  let node: unknown = data;
  for (const key of path.split('.').filter((part) => part !== '')) {
    if (node === null || typeof node !== 'object') return null;
    node = Array.isArray(node) ? node[Number(key)] : (node as Record<string, unknown>)[key];
  }
  if (typeof node === 'number' && Number.isFinite(node)) return node;
  if (typeof node === 'string' && node.trim() !== '' && Number.isFinite(Number(node))) return Number(node);
  return null;
}
