import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import { apiRequest, newAccount, signIn } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { MAX_SIGN_IN_FAILURES_PER_MINUTE } from '@periscope/control-plane';

/** Signing in with an email and a password: cookie, session, password changes, and the per-address limit. */
let h: GatewayHarness;
/** Every answer this file saw: none may hold a password or its hash. */
const seen: string[] = [];

beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => h?.close());

async function attempt(body: unknown, headers: Record<string, string> = {}) {
  const res = await apiRequest(h.url, 'POST', '/api/session', null, body, { headers });
  seen.push(res.text);
  res.headers.forEach((value, name) => seen.push(`${name}: ${value}`));
  return res;
}

describe('signing in with email and password', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie (Secure behind TLS) and answers who is signed in', async () => {
    const account = await newAccount(h.url, 'member', ['team-a', 'team-b']);
    const res = await attempt({ email: account.email.toUpperCase(), password: account.password });
    expect(res.status).toBe(204);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^periscope_session=[A-Za-z0-9_-]{43};/);
    for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=604800']) expect(setCookie).toContain(flag);
    expect(setCookie).not.toContain('Secure');
    const secure = await attempt({ email: account.email, password: account.password }, { 'x-forwarded-proto': 'https' });
    expect(secure.headers.get('set-cookie')).toContain('Secure');

    const cookie = setCookie.split(';', 1)[0]!;
    const session = await apiRequest(h.url, 'GET', '/api/session', { cookie });
    expect(session.body).toEqual({ authenticated: true, role: 'member', email: account.email, account_id: account.account_id, projects: ['team-a', 'team-b'] });

    expect((await apiRequest(h.url, 'DELETE', '/api/session', { cookie })).status).toBe(204);
    expect((await apiRequest(h.url, 'GET', '/api/session', { cookie })).status).toBe(401);
  });

  it('answers a wrong password and an unknown email alike, after the same scrypt work', async () => {
    const account = await newAccount(h.url, 'viewer', []);
    const timed = async (body: object) => {
      const t0 = performance.now();
      const res = await attempt(body);
      return { ...res, ms: performance.now() - t0 };
    };
    const wrong = await timed({ email: account.email, password: 'not the password' });
    const unknown = await timed({ email: 'nobody-here@example.com', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.text).toBe(unknown.text);
    // scrypt takes tens of milliseconds here; a lookup that skipped it would take one or two.
    expect(unknown.ms).toBeGreaterThan(20);
    console.log(`failed sign-in: known email ${wrong.ms.toFixed(0)} ms, unknown email ${unknown.ms.toFixed(0)} ms`);
  });

  it('refuses malformed bodies without quoting them', async () => {
    for (const body of [{}, { email: 'a@example.com' }, { password: 'secret-in-body-123' }, { email: 5, password: [] }]) {
      const res = await attempt(body);
      expect(res.status).toBe(400);
      expect(res.text).not.toContain('secret-in-body-123');
    }
    const broken = await fetch(`${h.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"password":"secret-in-body-123"' });
    expect(broken.status).toBe(400);
    expect(await broken.text()).not.toContain('secret-in-body-123');
  });

  it('ends the account\'s sessions when an admin sets a new password, and the new one works', async () => {
    const account = await newAccount(h.url, 'member', []);
    const newPassword = 'a brand new password';
    const res = await apiRequest(h.url, 'PATCH', `/api/accounts/${account.account_id}`, { admin: true }, { password: newPassword });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('password_hash');
    expect((await apiRequest(h.url, 'GET', '/api/session', { cookie: account.cookie })).status).toBe(401);
    expect((await attempt({ email: account.email, password: account.password })).status).toBe(401);
    await expect(signIn(h.url, account.email, newPassword)).resolves.toBeTruthy();
  });

  it('validates new accounts and refuses a second account with the same email', async () => {
    const base = { email: `dup-${Date.now()}@example.com`, password: 'long enough password', role: 'viewer', projects: ['p1'] };
    expect((await apiRequest(h.url, 'POST', '/api/accounts', { admin: true }, base)).status).toBe(201);
    expect((await apiRequest(h.url, 'POST', '/api/accounts', { admin: true }, { ...base, email: base.email.toUpperCase() })).status).toBe(409);
    for (const bad of [{ email: 'not-an-email' }, { password: 'short' }, { role: 'owner' }, { projects: ['bad project!'] }, { projects: 'p1' }]) {
      const res = await apiRequest(h.url, 'POST', '/api/accounts', { admin: true }, { ...base, email: `x${Math.random()}@example.com`, ...bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const list = await apiRequest(h.url, 'GET', '/api/accounts', { admin: true });
    expect(list.text).not.toContain('password');
    seen.push(list.text);
  });

  it(`gives an address 429 after ${MAX_SIGN_IN_FAILURES_PER_MINUTE} failed sign-ins in a minute, even with the right password`, async () => {
    const account = await newAccount(h.url, 'viewer', []);
    // A loopback address of its own, so earlier tests' failures do not count here.
    const from = new Agent({ localAddress: '127.0.0.23' });
    const post = async (body: object) => {
      const res = await undiciFetch(`${h.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), dispatcher: from });
      seen.push(await res.text());
      return res;
    };
    // The minute may roll over in the middle; start at the beginning of one if it is close.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
    const statuses: number[] = [];
    for (let i = 0; i < MAX_SIGN_IN_FAILURES_PER_MINUTE + 1; i++) {
      statuses.push((await post(i % 2 ? { token: 'wrong-token' } : { email: account.email, password: 'wrong password' })).status);
    }
    expect(statuses).toEqual([...Array(MAX_SIGN_IN_FAILURES_PER_MINUTE).fill(401), 429]);
    const blocked = await post({ email: account.email, password: account.password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other addresses, and requests with a credential, are not held up.
    expect((await attempt({ email: account.email, password: account.password })).status).toBe(204);
    expect((await apiRequest(h.url, 'GET', '/api/requests', { cookie: account.cookie })).status).toBe(200);
    await from.close();
  });

  it('never shows a password or a password hash, in answers or in the logs', async () => {
    const all = seen.join('\n') + h.logs();
    expect(all).not.toMatch(/scrypt\$/);
    expect(all).not.toContain('long enough password');
    expect(all).not.toContain('a brand new password');
  });
});
