import { descend, type PathTrie } from '@periscope/contract';

/**
 * JSON with object keys sorted (by UTF-16 code units, like Array.prototype.sort), no
 * whitespace, and the nodes named by `excluded` left out. Two requests that differ only in key
 * order, formatting or excluded fields serialise to the same text.
 */
export function canonicalJson(value: unknown, excluded?: PathTrie): string {
  const out: string[] = [];
  write(value, excluded ? [excluded] : [], out);
  return out.join('');
}

function write(value: unknown, nodes: readonly PathTrie[], out: string[]): void {
  if (value === null || typeof value !== 'object') {
    // undefined only appears in hand-built values; JSON.stringify would drop it too.
    out.push(value === undefined ? 'null' : JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      const below = nodes.length > 0 ? descend(nodes, String(i)) : nodes;
      // An excluded array item keeps its slot (as null) so later indexes keep their meaning.
      if (below.some((n) => n.excluded)) out.push('null');
      else write(item, below, out);
    });
    out.push(']');
    return;
  }
  const record = value as Record<string, unknown>;
  out.push('{');
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    const below = nodes.length > 0 ? descend(nodes, key) : nodes;
    if (below.some((n) => n.excluded)) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(key), ':');
    write(item, below, out);
  }
  out.push('}');
}
