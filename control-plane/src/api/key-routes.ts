import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { GatewayKeyRecord, Store } from '@periscope/clickhouse';
import type { KeyLimits } from '@periscope/contract';
import { generateGatewayKey, keyLimitsSchema, type KeyRecordLike } from '@periscope/contract';
import { ApiError } from '../errors.ts';
import { PROJECT_PATTERN, requireAdmin, requireWrite } from './access.ts';
import type { ReadRoutesOptions } from './read-routes-options.ts';

export interface KeyRoutesOptions extends ReadRoutesOptions {
  keySecret: Buffer;
  /** Called after a key changed so the proxy sees it at once, not at the next poll. */
  onKeysChanged: () => Promise<void>;
}

export interface NewKeySpec {
  project: string;
  name: string;
  expires_at: number | null;
  allowed_models: string[];
  limits: KeyLimits;
}

const MAX_ALLOWED_MODELS = 100;

/** Checks a `POST /api/keys` body; every message names the field. */
export function parseNewKey(body: Record<string, unknown>, now = Date.now()): NewKeySpec {
  if (typeof body.project !== 'string' || !PROJECT_PATTERN.test(body.project)) {
    throw new ApiError('invalid_body', 'project must be 1-64 characters of letters, digits, ".", "_" or "-"');
  }
  let expiresAt: number | null = null;
  if (body.expires_at !== undefined && body.expires_at !== null) {
    expiresAt = typeof body.expires_at === 'number' ? body.expires_at : Date.parse(String(body.expires_at));
    if (!Number.isFinite(expiresAt)) throw new ApiError('invalid_body', 'expires_at must be epoch ms or an ISO-8601 time');
    if (expiresAt <= now) throw new ApiError('invalid_body', 'expires_at must be in the future');
  }
  const models = body.allowed_models ?? [];
  if (!Array.isArray(models) || models.length > MAX_ALLOWED_MODELS || !models.every((m) => typeof m === 'string' && m.length > 0 && m.length <= 200)) {
    throw new ApiError('invalid_body', `allowed_models must be a list of up to ${MAX_ALLOWED_MODELS} model names (a trailing * matches a prefix)`);
  }
  const limits = keyLimitsSchema.safeParse(body.limits ?? {});
  if (!limits.success) {
    const issue = limits.error.issues[0]!;
    throw new ApiError('invalid_body', `limits.${issue.path.join('.')}: ${issue.message}`);
  }
  return { project: body.project, name: typeof body.name === 'string' ? body.name.slice(0, 200) : '', expires_at: expiresAt, allowed_models: [...new Set(models as string[])], limits: limits.data };
}

/** Creates and stores a key (by default unrestricted); the returned `key` is the only time the full key exists. */
export async function createKey(store: Store, secret: Buffer, spec: Pick<NewKeySpec, 'project' | 'name'> & Partial<NewKeySpec>) {
  const k = generateGatewayKey(secret);
  const record: GatewayKeyRecord = {
    key_id: k.key_id, project_id: spec.project, name: spec.name, prefix: k.prefix, key_hash: k.key_hash,
    created_at: Date.now(), expires_at: spec.expires_at ?? null, revoked_at: null, allowed_models: spec.allowed_models ?? [], limits: spec.limits ?? {},
  };
  await store.insertKey(record);
  const { key_hash: _hash, ...shown } = record;
  return { key: k.key, ...shown };
}

/**
 * `/api/keys`: list (with last use), create and revoke, scoped like every read; and the
 * snapshot distributed proxies poll. Members may create and revoke keys in their projects.
 */
export async function keyRoutes(app: FastifyInstance, opts: KeyRoutesOptions): Promise<void> {
  const { store, projectsFor } = opts;

  app.get('/api/keys', async (request) => {
    const projects = await projectsFor(request);
    const [keys, lastUsed] = await Promise.all([store.listKeys(projects), store.keysLastUsed(projects)]);
    return { data: keys.map(({ key_hash: _hash, ...rest }) => ({ ...rest, last_used_at: lastUsed[rest.key_id] ?? null })) };
  });

  // For distributed proxies (ControlPlaneKeys): HMACs only, never a usable key. The ETag lets
  // a proxy that polls twice a second skip an unchanged snapshot.
  app.get('/api/keys/snapshot', async (request, reply) => {
    requireAdmin(request);
    const keys = await store.listKeys();
    const data: KeyRecordLike[] = keys.map(({ key_id, project_id, key_hash, expires_at, revoked_at, allowed_models, limits }) => ({
      key_id, project_id, key_hash, expires_at, revoked_at, allowed_models, limits,
    }));
    const body = JSON.stringify({ data });
    const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
    void reply.header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('application/json').send(body);
  });

  app.post('/api/keys', async (request, reply) => {
    const spec = parseNewKey((request.body ?? {}) as Record<string, unknown>);
    requireWrite(request, spec.project);
    const created = await createKey(store, opts.keySecret, spec);
    await opts.onKeysChanged();
    reply.code(201);
    return created;
  });

  // A key outside the caller's projects is "not found", exactly like one that does not exist.
  app.delete('/api/keys/:id', async (request) => {
    const { id } = request.params as { id: string };
    const key = (await store.listKeys(await projectsFor(request))).find((k) => k.key_id === id);
    if (!key) throw new ApiError('not_found', `No key ${id}`);
    requireWrite(request, key.project_id);
    await store.revokeKey(id, Date.now());
    await opts.onKeysChanged();
    return { key_id: id, revoked: true };
  });
}
