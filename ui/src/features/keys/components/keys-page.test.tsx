import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { mockApi, renderWithProviders } from '../../../testing/render.tsx';
import type { GatewayKey, Me } from '../../../api-types.ts';
import { KeysPage } from './keys-page.tsx';

const NOW = Date.now();
const key = (o: Partial<GatewayKey>): GatewayKey => ({
  key_id: 'k1', project_id: 'team-a', name: 'ci', prefix: 'psk_AbCdEf', created_at: NOW - 3 * 86_400_000, expires_at: null, revoked_at: null,
  allowed_models: [], limits: {}, last_used_at: NOW - 120_000, ...o,
});
const member: Me = { role: 'member', email: 'm@example.com', account_id: 'a1', projects: ['team-a', 'team-b'] };
const viewer: Me = { ...member, role: 'viewer' };
const FULL_KEY = 'psk_AbCdEfthe-rest-of-the-secret-key-0123456789';

function serve(keys: GatewayKey[]) {
  return mockApi({
    '/api/keys': ({ method, body }) => {
      if (method === 'GET') return { body: { data: keys } };
      const b = body as { project: string; name: string };
      return { status: 201, body: { ...key({ key_id: 'k-new', project_id: b.project, name: b.name }), key: FULL_KEY } };
    },
    '/api/keys/*': () => ({ body: { key_id: 'k1', revoked: true } }),
  });
}

describe('keys page', () => {
  it('lists prefix, project, name, created, expiry, last use, restrictions and status, never a whole key', async () => {
    serve([
      key({ allowed_models: ['gpt-4o-mini', 'claude-*'], limits: { rpm: 60, budget_usd: { day: 5 } }, expires_at: Date.UTC(2030, 0, 2, 12) }),
      key({ key_id: 'k2', name: '', prefix: 'psk_Zyxwvu', last_used_at: null, revoked_at: NOW - 1000 }),
      key({ key_id: 'k3', name: 'old', prefix: 'psk_Old123', expires_at: NOW - 1000 }),
    ]);
    renderWithProviders(<KeysPage me={member} />, { url: '/keys' });
    const row = (await screen.findByText('ci')).closest('tr')!;
    for (const text of ['team-a', 'psk_AbCdEf…', '3 days ago', '2030-01-0', '2 minutes ago', 'Models: gpt-4o-mini, claude-*', '60 rpm · $5.00/day', 'Active']) {
      expect(row.textContent).toContain(text);
    }
    const revoked = screen.getByText('psk_Zyxwvu…').closest('tr')!;
    expect(revoked.textContent).toContain('(unnamed)');
    expect(revoked.textContent).toContain('Never');
    expect(revoked.textContent).toContain('Revoked');
    expect(within(revoked).queryByRole('button', { name: 'Revoke' })).toBeNull();
    expect(screen.getByText('old').closest('tr')!.textContent).toContain('Expired');
  });

  it('creates a key and shows it once, with copy; closing forgets it', async () => {
    const { calls } = serve([key({})]);
    renderWithProviders(<KeysPage me={member} />, { url: '/keys' });
    fireEvent.click(await screen.findByTestId('create-key'));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Project'), { target: { value: 'team-b' } });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'search' } });
    fireEvent.change(within(dialog).getByLabelText(/Allowed models/), { target: { value: 'gpt-4o-mini, claude-haiku-*' } });
    fireEvent.change(within(dialog).getByLabelText('Requests / minute'), { target: { value: '30' } });
    fireEvent.change(within(dialog).getByLabelText('Budget / month (USD)'), { target: { value: '12.5' } });
    fireEvent.change(within(dialog).getByLabelText('Expires'), { target: { value: '30' } });
    fireEvent.submit(within(dialog).getByLabelText('Name').closest('form')!);

    expect((await screen.findByTestId('new-key')).textContent).toBe(FULL_KEY);
    expect(screen.getByText(/only time the key is shown/)).toBeTruthy();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.headers.get('X-Periscope-CSRF')).toBe('1');
    const body = post.body as { expires_at: number };
    expect(body).toMatchObject({ project: 'team-b', name: 'search', allowed_models: ['gpt-4o-mini', 'claude-haiku-*'], limits: { rpm: 30, budget_usd: { month: 12.5 } } });
    expect(body.expires_at).toBeGreaterThan(NOW + 29 * 86_400_000);

    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.innerHTML).not.toContain(FULL_KEY);
  });

  it('revokes only after a confirmation', async () => {
    const { calls } = serve([key({})]);
    renderWithProviders(<KeysPage me={member} />, { url: '/keys' });
    fireEvent.click(await screen.findByTestId('revoke-key'));
    expect(screen.getByRole('dialog').textContent).toContain('Revoke ci?');
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);

    fireEvent.click(screen.getByTestId('revoke-key'));
    fireEvent.click(screen.getByTestId('confirm'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const del = calls.find((c) => c.method === 'DELETE')!;
    expect(del.url.pathname).toBe('/api/keys/k1');
    expect(del.headers.get('X-Periscope-CSRF')).toBe('1');
  });

  it('offers a viewer neither create nor revoke', async () => {
    serve([key({})]);
    renderWithProviders(<KeysPage me={viewer} />, { url: '/keys', lang: 'zh' });
    expect(await screen.findByText('ci')).toBeTruthy();
    expect(screen.queryByTestId('create-key')).toBeNull();
    expect(screen.queryByTestId('revoke-key')).toBeNull();
    expect(screen.getByText('有效')).toBeTruthy();
  });
});
