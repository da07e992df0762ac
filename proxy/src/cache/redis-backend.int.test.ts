import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '@periscope/testkit';
import { createRedisClient, redisReady } from '../redis.ts';
import { RedisCacheBackend } from './redis-backend.ts';
import { backendConformance } from './testing/backend-conformance.ts';

let server: RedisServer;
let redis: Redis;
let other: Redis;
let backend: RedisCacheBackend;

beforeAll(async () => {
  server = await startRedisServer();
  redis = await createRedisClient({ url: server.url });
  other = await createRedisClient({ url: server.url });
  await Promise.all([redisReady(redis), redisReady(other)]);
  backend = new RedisCacheBackend(redis);
});

afterAll(async () => {
  redis?.disconnect();
  other?.disconnect();
  await server?.stop();
});

backendConformance('redis', () => backend);

describe('RedisCacheBackend', () => {
  it('shares entries between two connections (two gateway processes)', async () => {
    const second = new RedisCacheBackend(other);
    await backend.add('shared-key', Buffer.from('from-one'), 60_000, 1);
    expect((await second.get('shared-key')).map(String)).toEqual(['from-one']);
  });

  it('gives a lock to one holder at a time, released only by its token', async () => {
    const second = new RedisCacheBackend(other);
    const token = await backend.locks.acquire('locked', 5_000);
    expect(token).toBeDefined();
    expect(await second.locks.acquire('locked', 5_000)).toBeUndefined();
    await second.locks.release('locked', 'not-the-token');
    expect(await second.locks.acquire('locked', 5_000)).toBeUndefined();
    await backend.locks.release('locked', token!);
    expect(await second.locks.acquire('locked', 5_000)).toBeDefined();
  });

  it('lets a lock expire so a crashed holder cannot block the key', async () => {
    expect(await backend.locks.acquire('short-lock', 100)).toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(await backend.locks.acquire('short-lock', 100)).toBeDefined();
  });

  it('sets the Redis key TTL from the longest-lived variant', async () => {
    await backend.add('ttl-key', Buffer.from('long'), 60_000, 2);
    await backend.add('ttl-key', Buffer.from('short'), 1_000, 2);
    const pttl = await redis.pttl('periscope:cache:ttl-key');
    expect(pttl).toBeGreaterThan(50_000);
  });

  it('fails fast (no queueing) when Redis is unreachable', async () => {
    const dead = await createRedisClient({ url: 'redis://127.0.0.1:9' });
    const cache = new RedisCacheBackend(dead);
    const started = performance.now();
    await expect(cache.get('x')).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(1_000);
    dead.disconnect();
  });
});
