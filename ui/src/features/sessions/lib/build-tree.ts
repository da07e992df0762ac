import type { RequestRow } from '../../../api-types.ts';

/** One segment of `Periscope-Session-Path` ("/plan/step-1" → plan → step-1). */
export interface TreeNode {
  name: string;
  path: string;
  children: TreeNode[];
  /** Calls whose path is exactly this node's. */
  requests: RequestRow[];
  /** Totals over this node and everything below it. */
  count: number;
  errors: number;
  cost: number;
  /** Sum of call latencies. */
  latency: number;
  /** First start to last end of the calls below, in epoch ms. */
  start: number;
  end: number;
}

const newNode = (name: string, path: string): TreeNode => ({
  name, path, children: [], requests: [], count: 0, errors: 0, cost: 0, latency: 0, start: Infinity, end: -Infinity,
});

export const segmentsOf = (path: string): string[] => path.split('/').map((s) => s.trim()).filter(Boolean);

/** Builds the path tree; calls keep their order (oldest first) within a node. */
export function buildSessionTree(rows: RequestRow[]): TreeNode {
  const root = newNode('/', '/');
  for (const r of rows) {
    let node = root;
    const chain = [root];
    for (const seg of segmentsOf(r.session_path)) {
      let child = node.children.find((c) => c.name === seg);
      if (!child) {
        child = newNode(seg, `${node.path === '/' ? '' : node.path}/${seg}`);
        node.children.push(child);
      }
      node = child;
      chain.push(node);
    }
    node.requests.push(r);
    const start = Date.parse(r.created_at);
    const isError = r.status === 0 || r.status >= 400;
    for (const n of chain) {
      n.count += 1;
      n.errors += isError ? 1 : 0;
      n.cost += r.cost_usd;
      n.latency += r.latency_ms;
      n.start = Math.min(n.start, start);
      n.end = Math.max(n.end, start + r.latency_ms);
    }
  }
  return root;
}

export type TreeLine =
  | { kind: 'node'; node: TreeNode; depth: number }
  | { kind: 'request'; request: RequestRow; depth: number };

/** Depth-first lines for display: a node, then its own calls, then its children. */
export function flattenTree(root: TreeNode, collapsed: ReadonlySet<string> = new Set()): TreeLine[] {
  const out: TreeLine[] = [];
  const walk = (node: TreeNode, depth: number) => {
    out.push({ kind: 'node', node, depth });
    if (collapsed.has(node.path)) return;
    for (const r of node.requests) out.push({ kind: 'request', request: r, depth: depth + 1 });
    for (const c of node.children) walk(c, depth + 1);
  };
  walk(root, 0);
  return out;
}
