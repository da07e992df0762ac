import { describe, expect, it } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { mockApi, renderWithProviders } from '../../../testing/render.tsx';
import { requestRow } from '../../../testing/fixtures.ts';
import { SessionPage } from './session-page.tsx';
import { SessionsPage } from './sessions-page.tsx';

describe('sessions', () => {
  it('lists sessions and opens one with the time range kept', async () => {
    mockApi({
      '/api/sessions': () => ({
        body: {
          data: [{ session_id: 's-1', session_name: 'Trip', user_id: 'alice', requests: 3, errors: 1, cost_usd: 0.5, total_tokens: 4200, started_at: new Date().toISOString(), ended_at: new Date().toISOString(), duration_ms: 65_000 }],
          next_cursor: null,
        },
      }),
    });
    renderWithProviders(<SessionsPage />, { url: '/sessions?range=7d' });
    const row = await screen.findByText('Trip');
    expect(screen.getByText('1m 5s')).toBeTruthy();
    expect(screen.getByText('4.2k')).toBeTruthy();
    fireEvent.click(row);
    expect(window.location.pathname + window.location.search).toBe('/sessions/s-1?range=7d');
  });

  it('shows the path tree with per-node totals and a timeline bar per call', async () => {
    const t0 = Date.parse('2026-11-25T10:00:00Z');
    const rows = [
      requestRow({ request_id: 'a', session_path: '/plan', created_at: new Date(t0).toISOString(), latency_ms: 1000, cost_usd: 0.01 }),
      requestRow({ request_id: 'b', session_path: '/plan/step-1', created_at: new Date(t0 + 1500).toISOString(), latency_ms: 500, cost_usd: 0.02, status: 429 }),
    ];
    const { calls } = mockApi({ '/api/sessions/s-1': () => ({ body: { session_id: 's-1', session_name: 'Trip', requests: rows, truncated: false } }) });
    renderWithProviders(<SessionPage id="s-1" />, { url: '/sessions/s-1?range=30d' });
    await screen.findByTestId('session-tree');
    const nodes = screen.getAllByTestId('tree-node');
    expect(nodes.map((n) => n.dataset.path)).toEqual(['/', '/plan', '/plan/step-1']);
    expect(nodes[1]!.textContent).toContain('$0.03');
    expect(screen.getAllByTestId('tree-request')).toHaveLength(2);
    expect(screen.getByTestId('session-timeline').querySelectorAll('.gantt-bar.bad')).toHaveLength(1);
    const api = calls.find((c) => c.url.pathname === '/api/sessions/s-1')!.url.searchParams;
    expect(Number(api.get('to')) - Number(api.get('from'))).toBe(30 * 86_400_000);

    fireEvent.click(screen.getAllByTestId('tree-request')[1]!);
    expect(new URLSearchParams(window.location.search).get('request')).toBe('b');
    fireEvent.click(nodes[1]!);
    expect(screen.queryAllByTestId('tree-node')).toHaveLength(2);
  });
});
