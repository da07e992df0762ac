import { afterAll, beforeAll } from 'vitest';
import { startRedisServer, type RedisServer } from '@periscope/testkit';
import { createRedisClient, redisReady } from '../redis.ts';
import { RedisCounterStore } from './redis-counter-store.ts';
import { counterStoreConformance } from './testing/counter-store-conformance.ts';

let server: RedisServer;
let store: RedisCounterStore;

beforeAll(async () => {
  server = await startRedisServer();
  const redis = createRedisClient({ url: server.url });
  await redisReady(redis);
  store = new RedisCounterStore(redis, 'test:');
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

counterStoreConformance('Redis (Debian redis-server)', () => store);
