import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@periscope/clickhouse';
import { generateGatewayKey } from '@periscope/proxy';
import { ApiError } from '../errors.ts';
import type { AdminAuth } from '../data-dir.ts';
import { checkCsrf, credentialOf, requireCredential } from './api-auth.ts';
import { breakdownRoutes } from './breakdown-routes.ts';
import { LoginSessions } from './login-sessions.ts';
import { loginRoutes } from './login-routes.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { one, type Query } from './query-params.ts';
import { requestRoutes } from './request-routes.ts';
import { sessionRoutes } from './session-routes.ts';

export interface ApiOptions {
  store: Store;
  admin: AdminAuth;
  keySecret: Buffer;
  /** Called after a key changed so the proxy sees it at once, not at the next poll. */
  onKeysChanged: () => Promise<void>;
  /** UI sign-ins; one store per process unless a test shares one. */
  loginSessions?: LoginSessions;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks credentials itself (sign-in). */
    public?: boolean;
  }
}

const PROJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * `/api/*`: the read API over logged requests, the overview, and key management. Until users
 * and roles land (access issue), the admin token is the only credential, presented as a
 * bearer or traded for a UI session cookie, and it sees every project.
 */
export async function apiPlugin(app: FastifyInstance, opts: ApiOptions): Promise<void> {
  const { store, admin } = opts;
  const sessions = opts.loginSessions ?? new LoginSessions();

  await app.register(fastifyCookie);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    checkCsrf(request, requireCredential(credentialOf(request, admin, sessions)));
  });

  /** `?project=` narrows to one project; without it the admin sees every project that has a key. */
  async function projectsFor(q: Query): Promise<string[]> {
    const requested = one(q, 'project');
    if (requested) return [requested];
    const keys = await store.listKeys();
    return [...new Set(keys.map((k) => k.project_id))];
  }

  await app.register(loginRoutes, { admin, sessions });
  for (const routes of [requestRoutes, metricsRoutes, sessionRoutes, breakdownRoutes]) await app.register(routes, { store, projectsFor });

  app.get('/api/keys', async (request) => {
    const project = one(request.query as Query, 'project');
    const keys = await store.listKeys(project ? [project] : undefined);
    return { data: keys.map(({ key_hash: _hash, ...rest }) => rest) };
  });

  // For distributed proxies (ControlPlaneKeys): HMACs only, never a usable key.
  app.get('/api/keys/snapshot', async () => {
    const keys = await store.listKeys();
    return { data: keys.map(({ key_id, project_id, key_hash, expires_at, revoked_at }) => ({ key_id, project_id, key_hash, expires_at, revoked_at })) };
  });

  app.post('/api/keys', async (request, reply) => {
    const body = (request.body ?? {}) as { project?: unknown; name?: unknown; expires_at?: unknown };
    if (typeof body.project !== 'string' || !PROJECT_PATTERN.test(body.project)) {
      throw new ApiError('invalid_body', 'project must be 1-64 characters of letters, digits, ".", "_" or "-"');
    }
    const name = typeof body.name === 'string' ? body.name.slice(0, 200) : '';
    let expiresAt: number | null = null;
    if (body.expires_at !== undefined && body.expires_at !== null) {
      expiresAt = typeof body.expires_at === 'number' ? body.expires_at : Date.parse(String(body.expires_at));
      if (!Number.isFinite(expiresAt)) throw new ApiError('invalid_body', 'expires_at must be epoch ms or an ISO-8601 time');
    }
    const created = await createKey(store, opts.keySecret, body.project, name, expiresAt);
    await opts.onKeysChanged();
    reply.code(201);
    return created;
  });

  app.delete('/api/keys/:id', async (request) => {
    const { id } = request.params as { id: string };
    if (!(await store.revokeKey(id, Date.now()))) throw new ApiError('not_found', `No key ${id}`);
    await opts.onKeysChanged();
    return { key_id: id, revoked: true };
  });

  app.all('/api/*', async (request) => {
    throw new ApiError('not_found', `Unknown API route: ${request.method} ${request.url.split('?', 1)[0]}`);
  });
}

/** Creates and stores a key; the returned `key` is the only time the full key exists. */
export async function createKey(store: Store, secret: Buffer, project: string, name: string, expiresAt: number | null) {
  const k = generateGatewayKey(secret);
  const created_at = Date.now();
  await store.insertKey({
    key_id: k.key_id, project_id: project, name, prefix: k.prefix, key_hash: k.key_hash,
    created_at, expires_at: expiresAt, revoked_at: null,
  });
  return { key: k.key, key_id: k.key_id, project_id: project, name, prefix: k.prefix, created_at, expires_at: expiresAt };
}
