import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { mockApi, renderWithProviders } from '../../../testing/render.tsx';
import type { Account, Me } from '../../../api-types.ts';
import { AccountsPage } from './accounts-page.tsx';

const me: Me = { role: 'admin', email: 'root@example.com', account_id: 'a-me', projects: null };
const account = (o: Partial<Account>): Account => ({
  account_id: 'a1', email: 'ada@example.com', name: 'Ada', role: 'member', project_ids: ['team-a'], created_at: Date.now() - 60_000, updated_at: Date.now(), ...o,
});

describe('accounts page', () => {
  it('lists accounts with role and projects; creates, edits and deletes (not oneself)', async () => {
    const { calls } = mockApi({
      '/api/accounts': ({ method, body }) => (method === 'GET'
        ? { body: { data: [account({}), account({ account_id: 'a-me', email: 'root@example.com', role: 'admin', project_ids: [] })] } }
        : { status: 201, body: account(body as Partial<Account>) }),
      '/api/accounts/*': ({ method }) => ({ body: method === 'DELETE' ? { deleted: true } : account({}) }),
    });
    renderWithProviders(<AccountsPage me={me} />, { url: '/accounts' });
    const ada = (await screen.findByText('ada@example.com')).closest('tr')!;
    expect(ada.textContent).toContain('Member');
    expect(ada.textContent).toContain('team-a');
    const self = screen.getByText('root@example.com').closest('tr')!;
    expect(self.textContent).toContain('All projects');
    expect(self.textContent).toContain('you');
    expect(within(self).queryByRole('button', { name: 'Delete' })).toBeNull();

    fireEvent.click(screen.getByTestId('create-account'));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Email'), { target: { value: 'new@example.com' } });
    fireEvent.change(within(dialog).getByLabelText('Password'), { target: { value: 'a long password' } });
    fireEvent.change(within(dialog).getByLabelText('Role'), { target: { value: 'viewer' } });
    fireEvent.change(within(dialog).getByLabelText('Projects'), { target: { value: 'team-a, team-b' } });
    fireEvent.submit(within(dialog).getByLabelText('Email').closest('form')!);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ email: 'new@example.com', password: 'a long password', name: '', role: 'viewer', projects: ['team-a', 'team-b'] });

    fireEvent.click(within(ada).getByRole('button', { name: 'Edit' }));
    fireEvent.change(within(screen.getByRole('dialog')).getByLabelText('Role'), { target: { value: 'admin' } });
    fireEvent.submit(within(screen.getByRole('dialog')).getByLabelText('Role').closest('form')!);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.url.pathname).toBe('/api/accounts/a1');
    // No password typed: the password is not sent, so it is kept.
    expect(patch.body).toEqual({ name: 'Ada', role: 'admin', projects: ['team-a'] });

    fireEvent.click(within(ada).getByRole('button', { name: 'Delete' }));
    fireEvent.click(screen.getByTestId('confirm'));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url.pathname === '/api/accounts/a1')).toBe(true));
  });
});
