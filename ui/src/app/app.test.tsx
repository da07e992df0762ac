import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { mockApi } from '../testing/render.tsx';
import { App } from './app.tsx';

const TOKEN = 'pat_supersecretadmintoken123';
const ADMIN_TOKEN_SESSION = { authenticated: true, role: 'admin', email: null, account_id: null, projects: null };
const unauthorized = { status: 401, body: { error: { code: 'unauthorized', message: 'sign in' } } };

describe('signing in', () => {
  it('asks for the token once, trades it for a cookie session, and never keeps it', async () => {
    let signedIn = false;
    const { calls } = mockApi({
      '/api/session': ({ method, body }) => {
        if (method === 'POST') {
          signedIn = (body as { token: string }).token === TOKEN;
          return signedIn ? { body: { ok: true } } : { status: 401, body: { error: { code: 'unauthorized', message: 'bad token' } } };
        }
        if (method === 'DELETE') {
          signedIn = false;
          return { status: 204, body: undefined };
        }
        return signedIn ? { body: ADMIN_TOKEN_SESSION } : { status: 401, body: { error: { code: 'unauthorized', message: 'sign in' } } };
      },
      '/api/metrics/summary': () => ({ status: signedIn ? 200 : 401, body: signedIn ? { from: 0, to: 1, current: null, previous: null } : { error: { code: 'unauthorized', message: 'x' } } }),
      '/api/*': () => (signedIn ? undefined : { status: 401, body: { error: { code: 'unauthorized', message: 'x' } } }),
    });
    window.history.replaceState(null, '', '/');
    render(<App />);

    fireEvent.click(await screen.findByRole('tab', { name: 'Admin token' }));
    const input = await screen.findByLabelText('Admin token');
    fireEvent.change(input, { target: { value: 'wrong' } });
    fireEvent.submit(input.closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toBe('That token was not accepted.');

    fireEvent.change(input, { target: { value: TOKEN } });
    fireEvent.submit(input.closest('form')!);
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeTruthy();

    const post = calls.filter((c) => c.method === 'POST' && c.url.pathname === '/api/session').at(-1)!;
    expect(post.headers.get('X-Periscope-CSRF')).toBe('1');
    expect(post.body).toEqual({ token: TOKEN });
    // The token only ever travelled in that one POST body.
    expect(document.body.innerHTML).not.toContain(TOKEN);
    expect(JSON.stringify({ ...localStorage })).not.toContain(TOKEN);
    expect(document.cookie).not.toContain(TOKEN);
    for (const c of calls.filter((x) => x !== post && x.method !== 'POST')) {
      expect(c.url.toString()).not.toContain(TOKEN);
      expect([...c.headers.values()].join(' ')).not.toContain(TOKEN);
    }

    fireEvent.click(screen.getByTestId('sign-out'));
    expect(await screen.findByRole('tab', { name: 'Admin token' })).toBeTruthy();
    const del = calls.find((c) => c.method === 'DELETE')!;
    expect(del.headers.get('X-Periscope-CSRF')).toBe('1');
  });

  it('goes back to sign-in when any call answers 401 (session expired)', async () => {
    let expired = false;
    mockApi({
      '/api/session': () => ({ body: ADMIN_TOKEN_SESSION }),
      '/api/*': () => (expired ? { status: 401, body: { error: { code: 'unauthorized', message: 'expired' } } } : { body: { data: [], next_cursor: null } }),
    });
    window.history.replaceState(null, '', '/users');
    render(<App />);
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeTruthy();
    expired = true;
    fireEvent.click(screen.getByRole('button', { name: 'Refresh now' }));
    await waitFor(() => expect(screen.getByLabelText('Password')).toBeTruthy());
  });

  it('signs in with an email and password, shows the pages of that role, and keeps neither', async () => {
    const PASSWORD = 'a very secret password';
    let session: object | null = null;
    const { calls } = mockApi({
      '/api/session': ({ method, body }) => {
        if (method === 'POST') {
          const b = body as { email: string; password: string };
          if (b.password !== PASSWORD) return unauthorized;
          session = { authenticated: true, role: 'viewer', email: b.email, account_id: 'a1', projects: ['team-a'] };
          return { status: 204, body: undefined };
        }
        return session ? { body: session } : unauthorized;
      },
      '/api/*': () => (session ? { body: { data: [], next_cursor: null } } : unauthorized),
    });
    window.history.replaceState(null, '', '/users');
    render(<App />);

    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'viewer@example.com' } });
    const password = screen.getByLabelText('Password');
    fireEvent.change(password, { target: { value: 'wrong password!' } });
    fireEvent.submit(password.closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');

    fireEvent.change(password, { target: { value: PASSWORD } });
    fireEvent.submit(password.closest('form')!);
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(nav.textContent).toContain('Keys');
    // Accounts are for admins only.
    expect(nav.textContent).not.toContain('Accounts');
    expect(calls.filter((c) => c.method === 'POST').at(-1)!.body).toEqual({ email: 'viewer@example.com', password: PASSWORD });
    expect(document.body.innerHTML).not.toContain(PASSWORD);
    expect(JSON.stringify({ ...localStorage })).not.toContain(PASSWORD);
  });

  it('says so when an address has failed too often', async () => {
    mockApi({
      '/api/session': ({ method }) => (method === 'POST' ? { status: 429, body: { error: { code: 'too_many_requests', message: 'later' } } } : unauthorized),
    });
    window.history.replaceState(null, '', '/');
    render(<App />);
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'x@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'whatever password' } });
    fireEvent.submit(screen.getByLabelText('Password').closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toMatch(/Too many failed attempts/);
  });
});
