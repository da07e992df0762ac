import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { ControlPlaneKeys, KeySnapshot } from '@periscope/proxy';
import { apiRequest } from '../testing/api-client.ts';
import { ADMIN_TOKEN, startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

/**
 * Gateway keys as issue 8 asks for them: expiry, allowed models, their own limits, last
 * use, and revocation reaching every proxy within a second.
 */
const SECRET = 'gateway-keys-test-secret';
let h: GatewayHarness;

beforeAll(async () => {
  h = await startGatewayHarness(undefined, { env: { PERISCOPE_SECRET: SECRET } });
});
afterAll(async () => h?.close());

const project = () => `keys-${Math.random().toString(36).slice(2, 10)}`;

interface CreatedKey { key: string; key_id: string; project_id: string; prefix: string }

async function createKey(body: Record<string, unknown>): Promise<CreatedKey> {
  const res = await apiRequest<CreatedKey>(h.url, 'POST', '/api/keys', { admin: true }, body);
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const openai = (key: string) => new OpenAI({ apiKey: 'sk-client-0123456789abcdef', baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: { 'periscope-auth': `Bearer ${key}` } });
const chat = (key: string, model = 'gpt-4o-mini', headers: Record<string, string> = {}) =>
  openai(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }, { headers });
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { status: number; code?: string; type?: string; error?: unknown; headers?: Headers });

describe('gateway keys', () => {
  it('stop working when they expire, and cannot be created expired', async () => {
    const key = await createKey({ project: project(), expires_at: new Date(Date.now() + 1500).toISOString() });
    await expect(chat(key.key)).resolves.toBeTruthy();
    await new Promise((r) => setTimeout(r, 1600));
    const err = await failure(chat(key.key));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err!.code).toBe('invalid_gateway_key');

    const past = await apiRequest(h.url, 'POST', '/api/keys', { admin: true }, { project: project(), expires_at: Date.now() - 1 });
    expect(past.status).toBe(400);
    expect(past.text).toContain('expires_at');
  });

  it('refuse models they are not allowed with 403 in the provider\'s error shape, and log the refusal', async () => {
    const p = project();
    const key = await createKey({ project: p, allowed_models: ['gpt-4o-mini', 'claude-haiku-*'] });
    await expect(chat(key.key)).resolves.toBeTruthy();

    const err = await failure(chat(key.key, 'gpt-4o'));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err!.status).toBe(403);
    expect(err!.code).toBe('model_not_allowed');
    // A fallback the client names is a model it asks for too.
    expect(await failure(chat(key.key, 'gpt-4o-mini', { 'periscope-fallbacks': 'gpt-4o' }))).toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(openai(key.key).models.list()).resolves.toBeTruthy();

    const anthropic = new Anthropic({ apiKey: 'sk-ant-client-0123456789', baseURL: h.url, maxRetries: 0, defaultHeaders: { 'periscope-auth': `Bearer ${key.key}` } });
    await expect(anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeTruthy();
    const refused = await failure(anthropic.messages.create({ model: 'claude-opus-4-1', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(refused).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((refused as { error: { error: { type: string } } }).error.error.type).toBe('permission_error');

    const upstreamModels = h.mock.requests.map((r) => (r.body as { model?: string } | undefined)?.model);
    expect(upstreamModels).not.toContain('gpt-4o');
    expect(upstreamModels).not.toContain('claude-opus-4-1');
    const rows = await h.rows(p, 'status=403', 3);
    expect(rows.map((r) => r.error_type)).toEqual(['model_not_allowed', 'model_not_allowed', 'model_not_allowed']);
  });

  it('enforce their own limits next to the config\'s, per key', async () => {
    const p = project();
    const limited = await createKey({ project: p, limits: { rpm: 2 } });
    const other = await createKey({ project: p });
    const first = await chat(limited.key).withResponse();
    expect(first.response.headers.get('ratelimit-limit')).toBe('2');
    await chat(limited.key);
    const err = await failure(chat(limited.key));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err!.code).toBe('rate_limited');
    await expect(chat(other.key)).resolves.toBeTruthy();

    const bad = await apiRequest(h.url, 'POST', '/api/keys', { admin: true }, { project: p, limits: { rpm: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('limits.rpm');
    expect((await apiRequest(h.url, 'POST', '/api/keys', { admin: true }, { project: p, limits: { rps: 1 } })).status).toBe(400);
  });

  it('show name, project, prefix, expiry, restrictions and last use, never the hash', async () => {
    const p = project();
    const expires = Date.now() + 86_400_000;
    const used = await createKey({ project: p, name: 'ci', expires_at: expires, allowed_models: ['gpt-4o-mini'], limits: { tpm: 1000, budget_usd: { month: 5 } } });
    const unused = await createKey({ project: p, name: 'spare' });
    const before = Math.floor(Date.now() / 60_000) * 60_000;
    await chat(used.key);
    await h.rows(p);
    const list = await apiRequest<{ data: Record<string, unknown>[] }>(h.url, 'GET', `/api/keys?project=${p}`, { admin: true });
    expect(list.text).not.toContain('key_hash');
    expect(list.text).not.toContain(used.key);
    const byId = Object.fromEntries(list.body.data.map((k) => [k.key_id, k]));
    expect(byId[used.key_id]).toMatchObject({
      project_id: p, name: 'ci', prefix: used.prefix, expires_at: expires, revoked_at: null,
      allowed_models: ['gpt-4o-mini'], limits: { tpm: 1000, budget_usd: { month: 5 } },
    });
    expect(byId[used.key_id]!.last_used_at).toBeGreaterThanOrEqual(before);
    expect(byId[unused.key_id]).toMatchObject({ name: 'spare', last_used_at: null, allowed_models: [], limits: {} });
  });
});

describe('revocation', () => {
  it('is seen by this process\'s gateway at once', async () => {
    const key = await createKey({ project: project() });
    await expect(chat(key.key)).resolves.toBeTruthy();
    expect((await apiRequest(h.url, 'DELETE', `/api/keys/${key.key_id}`, { admin: true })).status).toBe(200);
    expect(await failure(chat(key.key))).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('made elsewhere (another ingest, straight in the store) is seen by the gateway within a second', async () => {
    const key = await createKey({ project: project() });
    await expect(chat(key.key)).resolves.toBeTruthy();
    const t0 = Date.now();
    await h.server.store.revokeKey(key.key_id, Date.now());
    while ((await failure(chat(key.key))) === undefined) await new Promise((r) => setTimeout(r, 20));
    const ms = Date.now() - t0;
    console.log(`revocation in the store → refused by the embedded gateway after ${ms} ms`);
    expect(ms).toBeLessThan(1000);
  });

  it('reaches a distributed proxy (control-plane snapshot) within a second', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'periscope-cp-keys-'));
    const snapshot = new KeySnapshot(Buffer.from(SECRET, 'utf8'));
    const log = { warn: () => {}, info: () => {} };
    const plane = new ControlPlaneKeys({ controlUrl: h.url, adminToken: ADMIN_TOKEN, snapshot, cacheFile: join(dir, 'keys.json'), log });
    try {
      const key = await createKey({ project: project(), allowed_models: ['gpt-4o-mini'], limits: { rpm: 7 } });
      await plane.start();
      const deadline = Date.now() + 2000;
      while (!snapshot.verify(key.key) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(snapshot.verify(key.key)).toMatchObject({ key_id: key.key_id, allowed_models: ['gpt-4o-mini'], limit: { rpm: 7 } });

      const worst: number[] = [];
      for (let i = 0; i < 3; i++) {
        const k = await createKey({ project: project() });
        while (!snapshot.verify(k.key)) await new Promise((r) => setTimeout(r, 10));
        // Revoke at a random point of the poll interval.
        await new Promise((r) => setTimeout(r, Math.random() * 500));
        const t0 = Date.now();
        expect((await apiRequest(h.url, 'DELETE', `/api/keys/${k.key_id}`, { admin: true })).status).toBe(200);
        while (snapshot.verify(k.key)) await new Promise((r) => setTimeout(r, 5));
        worst.push(Date.now() - t0);
      }
      console.log(`revocation → refused by a control-plane proxy after ${worst.join(', ')} ms`);
      expect(Math.max(...worst)).toBeLessThan(1000);
    } finally {
      plane.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers an unchanged snapshot with 304 and never serves it to anyone but an admin', async () => {
    const first = await apiRequest(h.url, 'GET', '/api/keys/snapshot', { admin: true });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await apiRequest(h.url, 'GET', '/api/keys/snapshot', { admin: true }, undefined, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const { key } = await h.newProject();
    expect((await apiRequest(h.url, 'GET', '/api/keys/snapshot', { bearer: key })).status).toBe(401);
    expect((await apiRequest(h.url, 'GET', '/api/keys/snapshot', { admin: true }, undefined, { headers: { 'if-none-match': etag } })).status).toBe(200);
  });
});

describe('security headers and CORS', () => {
  it('puts a strict CSP and the usual headers on the API, errors included, and no CORS', async () => {
    for (const [path, as] of [['/api/requests', { admin: true }], ['/api/requests', null], ['/api/nope', { admin: true }]] as const) {
      const res = await apiRequest(h.url, 'GET', path, as, undefined, { headers: { origin: 'https://evil.example' } });
      expect(res.headers.get('content-security-policy'), path).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    const preflight = await fetch(`${h.url}/api/keys`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-periscope-csrf, content-type' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('gives the UI a CSP that allows only its own scripts', async () => {
    const res = await fetch(`${h.url}/requests`, { headers: { accept: 'text/html' } });
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('leaves the gateway\'s answers as the providers\' are', async () => {
    const { key } = await h.newProject();
    const { response } = await chat(key).withResponse();
    const errorAnswer = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    for (const res of [response, errorAnswer]) {
      for (const name of ['content-security-policy', 'x-frame-options', 'referrer-policy', 'cache-control']) expect(res.headers.get(name), name).toBeNull();
    }
  });
});
