import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsSummary, RequestPage, SessionDetail, SessionPage, Timeseries, UserSummary } from '@periscope/clickhouse';
import { makeEvent } from '@periscope/clickhouse/testing';
import { parseConfig } from '@periscope/proxy';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { startEmbedded, type EmbeddedServer } from '../server.ts';

/**
 * The web UI's backend in `periscope start`: sign-in by cookie, the overview endpoints over
 * real traffic through the gateway, and the built UI next to the gateway's routes.
 */
const ADMIN = 'web-api-admin-token-0123456789';
const INDEX = '<!doctype html><title>Periscope UI under test</title>';

let mock: MockUpstream;
let server: EmbeddedServer;
let url: string;
let root: string;
/** Every response text this file saw: none may contain the admin token. */
const seen: string[] = [];

async function call(path: string, init: RequestInit & { cookie?: string; bearer?: boolean } = {}) {
  const headers = new Headers(init.headers);
  if (init.bearer) headers.set('authorization', `Bearer ${ADMIN}`);
  if (init.cookie) headers.set('cookie', init.cookie);
  const res = await fetch(url + path, { ...init, headers });
  const text = await res.text();
  res.headers.forEach((value, name) => seen.push(`${name}: ${value}`));
  seen.push(text);
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}
const api = <T>(path: string) => call(path, { bearer: true }).then((r) => ({ ...r, body: r.json<T>() }));

async function signIn(headers: Record<string, string> = {}): Promise<{ cookie: string; setCookie: string }> {
  const res = await call('/api/session', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token: ADMIN }) });
  expect(res.status).toBe(204);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';', 1)[0]!, setCookie };
}

async function newProject(): Promise<{ project: string; key: string }> {
  const project = `web-${Math.random().toString(36).slice(2, 10)}`;
  const res = await call('/api/keys', { method: 'POST', bearer: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ project }) });
  return { project, key: res.json<{ key: string }>().key };
}

async function chat(key: string, model: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'periscope-auth': `Bearer ${key}`, authorization: 'Bearer sk-test-client-key-0123456789', 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: `Tell me about giraffes (${model})` }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
}

beforeAll(async () => {
  mock = await startMockUpstream();
  root = await mkdtemp(join(tmpdir(), 'periscope-web-api-'));
  const uiDir = join(root, 'ui');
  await mkdir(join(uiDir, 'assets'), { recursive: true });
  await writeFile(join(uiDir, 'index.html'), INDEX);
  await writeFile(join(uiDir, 'assets', 'index-Zz9.js'), 'export {}');
  const config = parseConfig({
    providers: {
      openai: { type: 'openai', base_url: `${mock.url}/v1` },
      anthropic: { type: 'anthropic', base_url: mock.url },
    },
  }, {});
  server = await startEmbedded({ dataDir: join(root, 'data'), config, env: { PERISCOPE_ADMIN_TOKEN: ADMIN }, logger: false, uiDir });
  url = (await server.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
});

afterAll(async () => {
  await server?.app.close();
  await mock?.close();
  await rm(root, { recursive: true, force: true });
});

describe('signing in', () => {
  it('trades the admin token for an HttpOnly, SameSite=Strict session cookie', async () => {
    const { cookie, setCookie } = await signIn();
    expect(cookie).toMatch(/^periscope_session=[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toContain('Max-Age=604800');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain('Secure');

    expect((await call('/api/session', { cookie })).json()).toMatchObject({ authenticated: true, role: 'admin', projects: null });
    expect((await call('/api/session', { bearer: true })).json()).toMatchObject({ authenticated: true, role: 'admin', projects: null });
    expect((await call('/api/requests', { cookie })).status).toBe(200);
    expect((await call('/api/metrics/summary', { cookie })).status).toBe(200);
  });

  it('marks the cookie Secure behind a TLS-terminating proxy', async () => {
    expect((await signIn({ 'x-forwarded-proto': 'https' })).setCookie).toContain('Secure');
  });

  it('refuses a wrong token, a missing one and no credentials, in the API error shape', async () => {
    const wrong = await call('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'nope' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const missing = await call('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(400);
    expect((await call('/api/session')).status).toBe(401);
    expect((await call('/api/requests')).json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await call('/api/requests', { cookie: 'periscope_session=forged' })).status).toBe(401);
  });

  it('judges a request by its Authorization header alone when it sends one', async () => {
    const { cookie } = await signIn();
    const res = await call('/api/requests', { cookie, headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
  });

  it('needs X-Periscope-CSRF on state-changing cookie requests, never on bearer ones', async () => {
    const { cookie } = await signIn();
    const body = JSON.stringify({ project: 'csrf-check' });
    const json = { 'content-type': 'application/json' };
    const forged = await call('/api/keys', { method: 'POST', cookie, headers: json, body });
    expect(forged.status).toBe(403);
    expect(forged.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('X-Periscope-CSRF: 1') } });
    expect((await call('/api/keys', { method: 'POST', cookie, headers: { ...json, 'x-periscope-csrf': '1' }, body })).status).toBe(201);
    expect((await call('/api/keys', { method: 'POST', bearer: true, headers: json, body })).status).toBe(201);
    expect((await call('/api/keys', { cookie })).status).toBe(200);
  });

  it('signs out: the cookie is cleared and the session is gone on the server', async () => {
    const { cookie } = await signIn();
    expect((await call('/api/session', { method: 'DELETE', cookie })).status).toBe(403);
    const out = await call('/api/session', { method: 'DELETE', cookie, headers: { 'x-periscope-csrf': '1' } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^periscope_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
    expect((await call('/api/session', { cookie })).status).toBe(401);
    expect((await call('/api/session', { method: 'DELETE' })).status).toBe(204);
  });

  it('never echoes the admin token, not even in a parse error', async () => {
    const res = await call('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"token":"${ADMIN}"` });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'invalid_body', message: 'The body is not valid JSON.' } });
    expect(seen.join('\n')).not.toContain(ADMIN);
  });
});

describe('overview over real traffic', () => {
  let project: string;
  let other: string;

  beforeAll(async () => {
    const a = await newProject();
    const b = await newProject();
    project = a.project;
    other = b.project;
    const session = (path: string) => ({
      'periscope-session-id': 'agent-1', 'periscope-session-path': path, 'periscope-session-name': 'Giraffe research',
      'periscope-user-id': 'alice', 'periscope-property-team': 'research',
    });
    await chat(a.key, 'gpt-4o-mini', session('/'));
    await chat(a.key, 'gpt-4o-mini', session('/plan'));
    await chat(a.key, 'gpt-4o-mini', session('/plan/step-1'));
    await chat(a.key, 'gpt-4o', { 'periscope-user-id': 'bob' });
    await chat(b.key, 'gpt-4o-mini');
    // The writer batches: wait until every call is a row.
    for (let i = 0; i < 100; i++) {
      await server.flush();
      const page = await api<RequestPage>(`/api/requests?project=${project}`);
      if (page.body.data.length === 4) break;
      await new Promise((r) => setTimeout(r, 30));
    }
  });

  it('sums the calls in the summary, scoped to the project, with the previous period empty', async () => {
    const rows = (await api<RequestPage>(`/api/requests?project=${project}`)).body.data;
    expect(rows).toHaveLength(4);
    const { body, status } = await api<MetricsSummary>(`/api/metrics/summary?project=${project}`);
    expect(status).toBe(200);
    expect(body.current.requests).toBe(4);
    expect(body.current.errors).toBe(0);
    expect(body.current.cost_usd).toBeCloseTo(rows.reduce((s, r) => s + r.cost_usd, 0), 12);
    expect(body.current.prompt_tokens).toBe(rows.reduce((s, r) => s + r.prompt_tokens, 0));
    expect(body.current.latency_p95_ms).toBeGreaterThanOrEqual(0);
    expect(body.previous.requests).toBe(0);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(86_400_000);
    expect((await api<MetricsSummary>(`/api/metrics/summary?project=${other}`)).body.current.requests).toBe(1);
    expect((await api<MetricsSummary>('/api/metrics/summary')).body.current.requests).toBeGreaterThanOrEqual(5);
    expect((await api<MetricsSummary>(`/api/metrics/summary?project=${project}&model=gpt-4o`)).body.current.requests).toBe(1);
    expect((await api<MetricsSummary>(`/api/metrics/summary?project=${project}&property.team=research`)).body.current.requests).toBe(3);
  });

  it('charts the same totals per model as the summary', async () => {
    const { body } = await api<Timeseries>(`/api/metrics/timeseries?project=${project}&metric=requests&group_by=model`);
    expect(body.metric).toBe('requests');
    expect(body.interval_ms).toBe(15 * 60_000);
    expect(body.series.map((s) => [s.key, s.total])).toEqual([['gpt-4o-mini', 3], ['gpt-4o', 1]]);
    for (const s of body.series) {
      expect(s.points.length).toBeGreaterThanOrEqual(96);
      expect(s.points.reduce((sum, p) => sum + (p.v ?? 0), 0)).toBe(s.total);
    }
    const cost = await api<Timeseries>(`/api/metrics/timeseries?project=${project}&metric=cost&interval=1h&group_by=user_id`);
    expect(cost.body.series.map((s) => s.key).sort()).toEqual(['alice', 'bob']);
  });

  it('shows the agent session with its tree, the users, the properties and the filter values', async () => {
    const sessions = (await api<SessionPage>(`/api/sessions?project=${project}`)).body;
    expect(sessions.data).toEqual([expect.objectContaining({ session_id: 'agent-1', session_name: 'Giraffe research', user_id: 'alice', requests: 3 })]);
    const detail = (await api<SessionDetail>(`/api/sessions/agent-1?project=${project}`)).body;
    expect(detail.requests.map((r) => r.session_path)).toEqual(['/', '/plan', '/plan/step-1']);
    expect((await api(`/api/sessions/nope?project=${project}`)).status).toBe(404);

    const users = (await api<{ data: UserSummary[] }>(`/api/users?project=${project}`)).body.data;
    expect(users.map((u) => [u.user_id, u.requests])).toEqual(expect.arrayContaining([['alice', 3], ['bob', 1]]));
    expect((await api(`/api/properties?project=${project}`)).body).toEqual({ data: [{ key: 'team', values: ['research'] }] });
    expect((await api(`/api/filters/values?project=${project}&field=model`)).body).toEqual({ data: ['gpt-4o-mini', 'gpt-4o'] });
    expect((await api(`/api/filters/values?project=${project}&field=user_id`)).body).toEqual({ data: ['alice', 'bob'] });
  });

  it('searches, sorts and filters the log', async () => {
    const ids = async (query: string) => (await api<RequestPage>(`/api/requests?project=${project}&${query}`)).body.data.map((r) => r.model);
    expect(await ids('q=GIRAFFES%20(gpt-4o)')).toEqual(['gpt-4o']);
    expect(await ids('q=zebras')).toEqual([]);
    expect(await ids('key_id=key_none')).toEqual([]);
    expect(await ids('sort=cost_usd&order=asc&limit=2')).toHaveLength(2);
    expect(await ids('min_latency_ms=0&max_latency_ms=600000')).toHaveLength(4);
  });

  it('bounds every read by from and to, epoch ms or ISO-8601', async () => {
    const old = Date.now() - 3 * 86_400_000;
    await server.store.insertRequests([makeEvent({ project_id: project, created_at: old, model: 'legacy' })]);
    const models = async (query: string) => (await api<RequestPage>(`/api/requests?project=${project}${query}`)).body.data.map((r) => r.model);
    expect(await models('')).not.toContain('legacy');
    const from = new Date(old - 1000).toISOString();
    expect(await models(`&from=${from}&to=${old + 1000}`)).toEqual(['legacy']);
    const summary = await api<MetricsSummary>(`/api/metrics/summary?project=${project}&from=${from}&to=${old + 1000}`);
    expect(summary.body.current.requests).toBe(1);

    const errors = [
      `/api/metrics/summary?from=${Date.now() - 401 * 86_400_000}`,
      '/api/metrics/summary?from=yesterday',
      `/api/requests?from=${Date.now()}&to=${Date.now() - 1000}`,
      '/api/metrics/timeseries',
      '/api/metrics/timeseries?metric=latency_p99',
      '/api/metrics/timeseries?metric=requests&interval=2m',
      '/api/metrics/timeseries?metric=requests&group_by=request_body',
      '/api/filters/values',
      '/api/requests?sort=request_body',
    ];
    for (const path of errors) {
      const res = await api<{ error: { code: string } }>(path);
      expect(res.status, path).toBe(400);
      expect(['invalid_query', 'invalid_argument']).toContain(res.body.error.code);
    }
  });
});

describe('the UI next to the gateway', () => {
  const page = { accept: 'text/html' };

  it('serves the UI at / and at its deep links', async () => {
    for (const path of ['/', '/sessions/agent-1', '/requests?model=gpt-4o']) {
      const res = await call(path, { headers: page });
      expect(res.status, path).toBe(200);
      expect(res.text).toBe(INDEX);
    }
    expect((await call('/assets/index-Zz9.js')).headers.get('cache-control')).toContain('immutable');
  });

  it('keeps the provider routes and /v1 for the gateway', async () => {
    const { key } = await newProject();
    for (const path of ['/openai/v1/models', '/v1/models']) {
      const res = await call(path, { headers: { ...page, 'periscope-auth': `Bearer ${key}`, authorization: 'Bearer sk-test-client-key-0123456789' } });
      expect(res.status, path).toBe(200);
      expect(res.json<{ data: unknown[] }>().data.length).toBeGreaterThan(0);
    }
    // A provider route without a gateway key is the gateway's 401, not the UI.
    expect((await call('/anthropic/v1/models', { headers: page })).status).toBe(401);
  });
});
