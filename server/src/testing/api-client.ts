import { ADMIN_TOKEN } from './gateway-harness.ts';

/** Who a test request is from: the admin token, any bearer value, a session cookie, or nobody. */
export type As = { admin: true } | { bearer: string } | { cookie: string } | null;

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/**
 * One API request as a browser or a script would send it. Cookie requests that change state
 * carry the CSRF header unless `csrf: false`, as the UI does.
 */
export async function apiRequest<T = unknown>(
  base: string, method: string, path: string, as: As, body?: unknown, o: { csrf?: boolean; headers?: Record<string, string> } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (as && 'admin' in as) headers.authorization = `Bearer ${ADMIN_TOKEN}`;
  if (as && 'bearer' in as) headers.authorization = `Bearer ${as.bearer}`;
  if (as && 'cookie' in as) {
    headers.cookie = as.cookie;
    if (method !== 'GET' && o.csrf !== false) headers['x-periscope-csrf'] = '1';
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

/** Signs in with an email and password; the session cookie as a `cookie` header value. */
export async function signIn(base: string, email: string, password: string): Promise<{ cookie: string }> {
  const res = await apiRequest(base, 'POST', '/api/session', null, { email, password });
  if (res.status !== 204) throw new Error(`sign-in as ${email}: ${res.status} ${res.text}`);
  return { cookie: res.headers.get('set-cookie')!.split(';', 1)[0]! };
}

/** An account made through the API with the admin token, signed in. */
export async function newAccount(base: string, role: 'admin' | 'member' | 'viewer', projects: string[]) {
  const email = `${role}-${Math.random().toString(36).slice(2, 10)}@example.com`;
  const password = `pw-${Math.random().toString(36).slice(2)}-long`;
  const res = await apiRequest<{ account_id: string }>(base, 'POST', '/api/accounts', { admin: true }, { email, password, role, projects });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${res.text}`);
  return { email, password, account_id: res.body.account_id, ...(await signIn(base, email, password)) };
}
