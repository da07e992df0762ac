import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from './http-server.ts';

const INDEX = '<!doctype html><title>Periscope UI</title><div id="root"></div>';
const ASSET = 'console.log("app");';

let root: string;
let uiDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'periscope-ui-'));
  uiDir = join(root, 'dist');
  await mkdir(join(uiDir, 'assets'), { recursive: true });
  await writeFile(join(uiDir, 'index.html'), INDEX);
  await writeFile(join(uiDir, 'assets', 'index-AbC123.js'), ASSET);
  await writeFile(join(uiDir, 'favicon.svg'), '<svg/>');
  await writeFile(join(root, 'secret.txt'), 'outside the UI');
});
afterAll(async () => rm(root, { recursive: true, force: true }));

/** The shared server as `periscope start` builds it, with stand-ins for the gateway's two route shapes. */
async function server(dir: string, providers = ['openai', 'anthropic']): Promise<FastifyInstance> {
  const { app } = createHttpServer(false, async () => {}, { ui: { dir, isGatewayPrefix: (s) => providers.includes(s) } });
  await app.register(async (gateway) => {
    gateway.all('/v1/*', async (req) => ({ gateway: 'v1', url: req.url }));
    gateway.all('/:provider/*', async (req) => ({ gateway: (req.params as { provider: string }).provider, url: req.url }));
  });
  await app.register(async (api) => {
    api.get('/api/requests', async () => ({ data: [] }));
    api.all('/api/*', async (_req, reply) => reply.code(404).send({ error: { code: 'not_found' } }));
  });
  await app.ready();
  return app;
}

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('web UI serving', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await server(uiDir);
  });
  afterAll(async () => app?.close());

  it('serves index.html at / and for any page of the UI, revalidated on each load', async () => {
    for (const url of ['/', '/requests?model=gpt-4o', '/sessions/run-1', '/sessions/run-1/tree', '/users']) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.body).toBe(INDEX);
    }
  });

  it('serves hashed assets as immutable and other files for revalidation', async () => {
    const asset = await app.inject({ url: '/assets/index-AbC123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe(ASSET);
    const head = await app.inject({ method: 'HEAD', url: '/assets/index-AbC123.js' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    const icon = await app.inject({ url: '/favicon.svg' });
    expect(icon.headers['cache-control']).toBe('no-cache');
    expect(icon.headers['content-type']).toMatch(/svg/);
  });

  it('leaves the gateway, the API, /healthz and /metrics to their own routes', async () => {
    expect((await app.inject({ url: '/openai/v1/models', headers: html })).json()).toEqual({ gateway: 'openai', url: '/openai/v1/models' });
    expect((await app.inject({ url: '/anthropic/v1/messages', headers: html })).json()).toMatchObject({ gateway: 'anthropic' });
    expect((await app.inject({ url: '/v1/models', headers: html })).json()).toEqual({ gateway: 'v1', url: '/v1/models' });
    expect((await app.inject({ method: 'POST', url: '/sessions/x', payload: {} })).json()).toMatchObject({ gateway: 'sessions' });
    expect((await app.inject({ url: '/api/requests', headers: html })).json()).toEqual({ data: [] });
    expect((await app.inject({ url: '/api/unknown', headers: html })).statusCode).toBe(404);
    expect((await app.inject({ url: '/healthz', headers: html })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/metrics', headers: html })).body).toContain('periscope_');
  });

  it('answers a client that wants JSON with a 404 rather than a page', async () => {
    const res = await app.inject({ url: '/not-a-provider/v1/models', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'Not found: /not-a-provider/v1/models' } });
    expect((await app.inject({ url: '/nothing', headers: { accept: '*/*' } })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/missing.js', headers: html })).statusCode).toBe(200);
    expect((await app.inject({ url: '/assets/missing.js', headers: { accept: '*/*' } })).statusCode).toBe(404);
    expect((await app.inject({ url: '/', headers: { accept: '*/*' } })).body).toBe(INDEX);
  });

  it('never serves a file outside the UI directory', async () => {
    for (const url of ['/../secret.txt', '/assets/..%2F..%2Fsecret.txt', '/%2e%2e/secret.txt', '/assets/%E0%A4%A']) {
      const res = await app.inject({ url, headers: html });
      expect(res.body, url).not.toContain('outside the UI');
    }
  });
});

describe('without a built UI', () => {
  it('shows the status page to browsers and keeps the other routes', async () => {
    const app = await server(join(root, 'no-such-dist'));
    try {
      const page = await app.inject({ url: '/', headers: html });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Periscope is running');
      expect(page.body).toContain('not built');
      expect((await app.inject({ url: '/openai/v1/models' })).json()).toMatchObject({ gateway: 'openai' });
    } finally {
      await app.close();
    }
  });

  it('keeps the status page at / for roles without a UI', async () => {
    const { app } = createHttpServer(false, async () => {});
    const page = await app.inject({ url: '/' });
    expect(page.body).toContain('Periscope is running');
    await app.close();
  });
});
