import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { mockApi, renderWithProviders } from '../../../testing/render.tsx';
import { requestRow } from '../../../testing/fixtures.ts';
import { RequestsPage } from './requests-page.tsx';

/** A row of the table, once it rendered. */
const findRow = (id: string) => waitFor(() => {
  const row = screen.getByTestId('requests-table').querySelector<HTMLElement>(`[data-request-id="${id}"]`);
  if (!row) throw new Error(`row ${id} not rendered`);
  return row;
});

const rows = [
  requestRow({ request_id: 'r1', model: 'gpt-4o-mini', status: 200, latency_ms: 850, cost_usd: 0.0123, prompt_tokens: 12_300, completion_tokens: 450 }),
  requestRow({ request_id: 'r2', model: 'claude-haiku-4-5', provider: 'anthropic', status: 529, error_type: 'overloaded', latency_ms: 1_200, cache_status: 'hit', user_id: 'bob', properties: { team: 'search', env: 'prod' } }),
];

function mockRequests(next: string | null = null) {
  return mockApi({
    '/api/requests': ({ url }) => ({ body: url.searchParams.get('cursor') ? { data: [requestRow({ request_id: 'r3', model: 'gpt-4.1' })], next_cursor: null } : { data: rows, next_cursor: next } }),
    '/api/filters/values': () => ({ body: { data: ['gpt-4o-mini', 'claude-haiku-4-5'] } }),
    '/api/properties': () => ({ body: { data: [{ key: 'team', values: ['search'] }] } }),
  });
}

describe('requests page', () => {
  it('renders the rows with human formatting and sends the URL filters to the API', async () => {
    const { calls } = mockRequests();
    renderWithProviders(<RequestsPage />, { url: '/requests?model=gpt-4o-mini&property.team=search&range=7d' });
    const second = await findRow('r2');
    const table = screen.getByTestId('requests-table');
    expect(table.querySelectorAll('[data-request-id]').length).toBe(2);
    const first = table.querySelector('[data-request-id="r1"]')!;
    expect(first.querySelector('[data-col="latency"]')!.textContent).toBe('850 ms');
    expect(first.querySelector('[data-col="cost"]')!.textContent).toBe('$0.0123');
    expect(first.querySelector('[data-col="tokens"]')!.textContent).toBe('12.3k → 450');
    expect(second.querySelector('[data-col="status"]')!.textContent).toBe('529');
    expect(second.querySelector('[data-col="cache"]')!.textContent).toBe('Hit');
    expect(second.querySelector('[data-col="properties"]')!.textContent).toContain('teamsearch');

    const api = calls.find((c) => c.url.pathname === '/api/requests')!.url.searchParams;
    expect(api.get('model')).toBe('gpt-4o-mini');
    expect(api.get('property.team')).toBe('search');
    expect(Number(api.get('to')) - Number(api.get('from'))).toBe(7 * 86_400_000);
    expect(api.get('sort')).toBe('created_at');
    expect(screen.getByTestId('filter-chips').textContent).toContain('gpt-4o-mini');
  });

  it('sorts on the server when a column header is clicked, and keeps it in the URL', async () => {
    const { calls } = mockRequests();
    renderWithProviders(<RequestsPage />, { url: '/requests' });
    await findRow('r2');
    fireEvent.click(screen.getByRole('button', { name: /Latency/ }));
    expect(window.location.search).toBe('?sort=latency_ms');
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get('sort') === 'latency_ms' && c.url.searchParams.get('order') === 'desc')).toBe(true));
    fireEvent.click(screen.getByRole('button', { name: /Latency/ }));
    expect(window.location.search).toBe('?sort=latency_ms&order=asc');
    expect(screen.getByRole('columnheader', { name: /Latency/ }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('opens a row into the URL, and removes a filter with its chip (back-button friendly)', async () => {
    mockRequests();
    renderWithProviders(<RequestsPage />, { url: '/requests?user_id=bob' });
    const row = await findRow('r2');
    const before = window.history.length;
    fireEvent.click(row);
    expect(new URLSearchParams(window.location.search).get('request')).toBe('r2');
    fireEvent.click(screen.getByRole('button', { name: 'Remove filter User' }));
    expect(new URLSearchParams(window.location.search).get('user_id')).toBeNull();
    expect(window.history.length).toBe(before + 2);
  });

  it('loads the next page through the cursor', async () => {
    const { calls } = mockRequests('cursor-2');
    renderWithProviders(<RequestsPage />, { url: '/requests' });
    await findRow('r3');
    expect(calls.filter((c) => c.url.pathname === '/api/requests').map((c) => c.url.searchParams.get('cursor'))).toEqual([null, 'cursor-2']);
  });

  it('shows the first-request hint when nothing was logged, and an error with retry', async () => {
    mockApi({ '/api/requests': () => ({ body: { data: [], next_cursor: null } }) });
    const { unmount } = renderWithProviders(<RequestsPage />, { url: '/requests' });
    expect(await screen.findByText('No requests yet')).toBeTruthy();
    expect(screen.getByText(/Periscope-Auth: Bearer \$PERISCOPE_KEY/)).toBeTruthy();
    unmount();

    let fail = true;
    mockApi({ '/api/requests': () => (fail ? { status: 503, body: { error: { code: 'store_unavailable', message: 'ClickHouse is down' } } } : { body: { data: rows, next_cursor: null } }) });
    renderWithProviders(<RequestsPage />, { url: '/requests' });
    expect((await screen.findByRole('alert')).textContent).toContain('ClickHouse is down');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await findRow('r2')).toBeTruthy();
  });
});
