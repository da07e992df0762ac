import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '@periscope/testkit';
import { createRedisClient, redisReady } from '../redis.ts';
import { RedisCacheBackend } from './redis-backend.ts';
import { ResponseCache, type CacheLookup } from './response-cache.ts';
import type { StoredResponse } from './stored-response.ts';

let server: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

/** One gateway process's cache: its own connection, its own in-process flights. */
async function processCache(): Promise<ResponseCache> {
  const redis = await createRedisClient({ url: server.url });
  clients.push(redis);
  await redisReady(redis);
  return new ResponseCache({ backend: new RedisCacheBackend(redis), singleFlightWaitMs: 5_000, onBackendError: (err) => { throw err; } });
}

const stored: StoredResponse = {
  v: 1, requestId: 'leader', storedAt: 0, provider: 'openai', providerType: 'openai', status: 200,
  headers: {}, body: { kind: 'json', text: '{}' },
};
const req = { key: 'cross-process', refresh: false, bucketSize: 1, ttlMs: 60_000, replay: { endpoint: 'chat.completions' as const, stream: false, includeUsage: false } };

describe('ResponseCache over Redis, two processes', () => {
  it('makes one upstream call for identical calls arriving at two processes at once', async () => {
    const [a, b] = await Promise.all([processCache(), processCache()]);
    const lookups: Promise<CacheLookup>[] = [];
    for (let i = 0; i < 10; i++) lookups.push(a.lookup(req), b.lookup(req));
    const leader = await Promise.race(lookups);
    expect(leader.status).toBe('miss');
    // Give the other process time to see the lock and start polling before the leader finishes.
    await new Promise((r) => setTimeout(r, 100));
    if (leader.status === 'miss') await leader.complete(stored);
    const results = await Promise.all(lookups);
    expect(results.filter((l) => l.status === 'miss')).toHaveLength(1);
    expect(results.filter((l) => l.status === 'hit' && l.source.requestId === 'leader')).toHaveLength(19);
  });

  it('lets the other process lead when the first one failed', async () => {
    const [a, b] = await Promise.all([processCache(), processCache()]);
    const key = { ...req, key: 'fails-first' };
    const first = await a.lookup(key);
    const second = b.lookup(key);
    expect(first.status).toBe('miss');
    if (first.status === 'miss') await first.complete(undefined);
    expect((await second).status).toBe('miss');
  });
});
