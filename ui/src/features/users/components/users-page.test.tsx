import { describe, expect, it } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { mockApi, renderWithProviders } from '../../../testing/render.tsx';
import { UsersPage } from './users-page.tsx';

describe('users', () => {
  it('shows cost, requests and error rate per user; a click filters the log to that user', async () => {
    mockApi({
      '/api/users': () => ({
        body: { data: [
          { user_id: 'alice', requests: 1200, errors: 12, cost_usd: 12.5, total_tokens: 4_500_000, last_seen: new Date(Date.now() - 120_000).toISOString() },
          { user_id: 'bob', requests: 3, errors: 0, cost_usd: 0.0123, total_tokens: 900, last_seen: new Date().toISOString() },
        ] },
      }),
    });
    renderWithProviders(<UsersPage />, { url: '/users?range=7d' });
    const alice = await screen.findByText('alice');
    const row = alice.closest('tr')!;
    expect(row.textContent).toContain('1,200');
    expect(row.textContent).toContain('1%');
    expect(row.textContent).toContain('$12.50');
    expect(row.textContent).toContain('4.5M');
    expect(row.textContent).toContain('2 minutes ago');
    expect(screen.getByText('$0.0123')).toBeTruthy();
    fireEvent.click(alice);
    expect(window.location.pathname + window.location.search).toBe('/requests?range=7d&user_id=alice');
  });

  it('explains how to get users when there are none', async () => {
    mockApi({ '/api/users': () => ({ body: { data: [] } }) });
    renderWithProviders(<UsersPage />, { url: '/users', lang: 'zh' });
    expect(await screen.findByText('该时间范围内没有用户')).toBeTruthy();
  });
});
