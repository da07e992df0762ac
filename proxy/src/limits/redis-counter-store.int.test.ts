import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent } from '@periscope/clickhouse/testing';
import { parseConfig } from '../config/load.ts';
import { GatewayError } from '../errors.ts';
import { createProxyMetrics } from '../metrics.ts';
import { LimitEnforcer } from './limit-enforcer.ts';
import { startRedisServer, type RedisServer } from '@periscope/testkit';
import { createRedisClient, redisReady } from '../redis.ts';
import { RedisCounterStore } from './redis-counter-store.ts';
import { counterStoreConformance } from './testing/counter-store-conformance.ts';

let server: RedisServer;
let store: RedisCounterStore;

beforeAll(async () => {
  server = await startRedisServer();
  const redis = await createRedisClient({ url: server.url });
  await redisReady(redis);
  store = new RedisCounterStore(redis, 'test:');
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

counterStoreConformance('Redis (Debian redis-server)', () => store);

describe('per-session budgets on Redis', () => {
  it('refuse a spent session, all or none: the refused call takes no request from the rpm counter', async () => {
    const metrics = createProxyMetrics(new Registry());
    // One clock reading for the whole test: a minute boundary between r1 and r5 gives r5 a fresh
    // rpm window (a clean-clone CI run admitted r5 once).
    const now = Date.now();
    const e = new LimitEnforcer(store, metrics, { warn: () => {} }, () => now);
    const rules = parseConfig({ limits: [{ match: { key: '*' }, rpm: 3, per_session: { budget_usd: 0.5 } }] }, {}).limits;
    const subject = { key: `k-${randomUUID()}`, project: 'p', user: '', model: 'm', session: 's1' };
    const estimate = { usd: 5, inputUsd: 0.01 };
    const first = await e.admit(rules, subject, estimate, 'r1');
    first.settle(makeEvent({ cost_usd: 0.5 }));
    await new Promise((r) => setTimeout(r, 100)); // settling is asynchronous
    const refused = await e.admit(rules, subject, estimate, 'r2').catch((err: GatewayError) => err);
    expect(refused).toMatchObject({ code: 'budget_exceeded', message: expect.stringContaining('has used $0.5000 of its $0.5 budget') });
    // The refusal took nothing from the rpm counter: a second session still gets the two requests left.
    const other = { ...subject, session: 's2' };
    await e.admit(rules, other, estimate, 'r3');
    await e.admit(rules, other, estimate, 'r4');
    await expect(e.admit(rules, other, estimate, 'r5')).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
