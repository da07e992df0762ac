import type { FastifyInstance } from 'fastify';
import type { Store } from '@periscope/clickhouse';
import { generateGatewayKey } from '@periscope/proxy';
import { ApiError } from '../errors.ts';
import type { AdminAuth } from '../data-dir.ts';
import { parseRequestFilters } from './request-filters.ts';

export interface ApiOptions {
  store: Store;
  admin: AdminAuth;
  keySecret: Buffer;
  /** Called after a key changed so the proxy sees it at once, not at the next poll. */
  onKeysChanged: () => Promise<void>;
}

const PROJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A repeated query parameter counts once, by its last value (never silently dropped). */
const lastValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v) || undefined;

/**
 * `/api/*`: the read API over logged requests, and key management. Until users and roles
 * land (access issue), the admin token is the only credential and it sees every project.
 */
export async function apiPlugin(app: FastifyInstance, opts: ApiOptions): Promise<void> {
  const { store } = opts;

  app.addHook('onRequest', async (request) => {
    const m = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!m || !opts.admin.check(m[1]!)) throw new ApiError('unauthorized', 'Send "Authorization: Bearer <admin token>".');
  });

  async function visibleProjects(requested: string | undefined): Promise<string[]> {
    if (requested) return [requested];
    const keys = await store.listKeys();
    return [...new Set(keys.map((k) => k.project_id))];
  }

  app.get('/api/requests', async (request) => {
    const q = request.query as Record<string, string | string[] | undefined>;
    return store.listRequests(parseRequestFilters(q, await visibleProjects(lastValue(q.project))));
  });

  app.get('/api/requests/:id', async (request) => {
    const { id } = request.params as { id: string };
    const q = request.query as Record<string, string | string[] | undefined>;
    const row = await store.getRequest(await visibleProjects(lastValue(q.project)), id);
    if (!row) throw new ApiError('not_found', `No request ${id}`);
    return row;
  });

  app.get('/api/keys', async (request) => {
    const project = lastValue((request.query as Record<string, string | string[] | undefined>).project);
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
