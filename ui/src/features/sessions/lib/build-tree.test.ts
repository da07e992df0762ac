import { describe, expect, it } from 'vitest';
import { requestRow } from '../../../testing/fixtures.ts';
import { buildSessionTree, flattenTree } from './build-tree.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

describe('session path tree', () => {
  const rows = [
    requestRow({ request_id: 'a', session_path: '/plan', created_at: at(0), latency_ms: 1000, cost_usd: 0.01 }),
    requestRow({ request_id: 'b', session_path: '/plan/step-1', created_at: at(2), latency_ms: 500, cost_usd: 0.02 }),
    requestRow({ request_id: 'c', session_path: '/plan/step-2', created_at: at(3), latency_ms: 4000, cost_usd: 0.03, status: 500 }),
    requestRow({ request_id: 'd', session_path: '', created_at: at(9), latency_ms: 100, cost_usd: 0 }),
  ];
  const root = buildSessionTree(rows);

  it('nests by path segment with totals per subtree', () => {
    expect(root.count).toBe(4);
    expect(root.requests.map((r) => r.request_id)).toEqual(['d']);
    const plan = root.children[0]!;
    expect(plan).toMatchObject({ name: 'plan', path: '/plan', count: 3, errors: 1, latency: 5500 });
    expect(plan.cost).toBeCloseTo(0.06);
    expect(plan.children.map((c) => c.path)).toEqual(['/plan/step-1', '/plan/step-2']);
    expect(root.end - root.start).toBe(9100);
  });

  it('flattens depth-first, and a collapsed node hides what is below it', () => {
    const lines = flattenTree(root).map((l) => (l.kind === 'node' ? `${l.depth}:${l.node.path}` : `${l.depth}:#${l.request.request_id}`));
    expect(lines).toEqual(['0:/', '1:#d', '1:/plan', '2:#a', '2:/plan/step-1', '3:#b', '2:/plan/step-2', '3:#c']);
    expect(flattenTree(root, new Set(['/plan'])).length).toBe(3);
  });
});
