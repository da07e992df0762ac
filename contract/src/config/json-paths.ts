/**
 * Excluded JSON paths, compiled into a trie so one walk over a request body can skip every
 * excluded node without copying the body.
 *
 * Syntax: dot-separated keys with `[n]` for an array index and `*` (or `[*]`) for any key or
 * index: `metadata`, `messages[*].content[*].cache_control`, `tools[0].description`.
 */
export interface PathTrie {
  /** This node itself is excluded. */
  excluded: boolean;
  children: Map<string, PathTrie>;
}

const SEGMENT = /^(?:[^.[\]]+|\[(?:\d+|\*)\])/;

export class JsonPathError extends Error {
  constructor(path: string, problem: string) {
    super(`invalid JSON path "${path}": ${problem}`);
    this.name = 'JsonPathError';
  }
}

/** `a.b[2][*]` → ['a', 'b', '2', '*']. */
export function parseJsonPath(path: string): string[] {
  const segments: string[] = [];
  let rest = path.trim();
  if (rest === '') throw new JsonPathError(path, 'empty');
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m) throw new JsonPathError(path, `unexpected "${rest}"`);
    const token = m[0];
    segments.push(token.startsWith('[') ? token.slice(1, -1) : token);
    rest = rest.slice(token.length);
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest === '' || rest.startsWith('.') || rest.startsWith('[')) throw new JsonPathError(path, 'a "." must be followed by a key');
    } else if (rest.length > 0 && !rest.startsWith('[')) {
      throw new JsonPathError(path, `unexpected "${rest}"`);
    }
  }
  return segments;
}

export function isJsonPath(path: string): boolean {
  try {
    parseJsonPath(path);
    return true;
  } catch {
    return false;
  }
}

export function compilePaths(paths: readonly string[]): PathTrie {
  const root: PathTrie = { excluded: false, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const segment of parseJsonPath(path)) {
      let child = node.children.get(segment);
      if (!child) {
        child = { excluded: false, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.excluded = true;
  }
  return root;
}

/** The trie nodes that apply to `key` below the given ones (exact key and wildcard). */
export function descend(nodes: readonly PathTrie[], key: string): PathTrie[] {
  const out: PathTrie[] = [];
  for (const node of nodes) {
    const exact = node.children.get(key);
    if (exact) out.push(exact);
    const any = node.children.get('*');
    if (any) out.push(any);
  }
  return out;
}
