import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, startRedisServer, type MockUpstream, type RedisServer } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { createGatewayKey, startPeriscopeProcess, type PeriscopeProcess } from '../testing/periscope-process.ts';

let redis: RedisServer;
let mockB: MockUpstream;
let a: GatewayHarness;
let b: PeriscopeProcess;

/** Two gateway processes (this one and a `periscope start` child), each with its own store and mock, one redis-server as their cache. */
beforeAll(async () => {
  redis = await startRedisServer();
  mockB = await startMockUpstream();
  a = await startGatewayHarness(() => ({}), { config: () => ({ cache: { backend: 'redis' } }), env: { PERISCOPE_REDIS_URL: redis.url } });
  b = await startPeriscopeProcess(
    { providers: { openai: { type: 'openai', base_url: `${mockB.url}/v1` } }, cache: { backend: 'redis' } },
    { PERISCOPE_REDIS_URL: redis.url },
  );
}, 90_000);
afterAll(async () => {
  await b?.stop();
  await a?.close();
  await mockB?.close();
  await redis?.stop();
});

/** A key for `project` on the gateway at `url`: the same project on both gateways shares entries. */
const keyFor = (url: string, project: string) => createGatewayKey(url, project, 'cache');

async function call(url: string, key: string, content: string) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'periscope-auth': `Bearer ${key}`, authorization: 'Bearer sk-client-key-abcdefghijklmnop', 'content-type': 'application/json', 'periscope-cache-enabled': 'true' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  return { cache: res.headers.get('periscope-cache'), requestId: res.headers.get('periscope-request-id')!, text: await res.text() };
}

const upstreamCalls = (mock: MockUpstream, marker: string) => mock.requests.filter((r) => JSON.stringify(r.body).includes(marker)).length;

describe('Redis cache backend shared by two gateway processes', () => {
  it('serves on one process what the other stored, and logs where it came from', async () => {
    const project = `shared-${Date.now()}`;
    const stored = await call(b.url, await keyFor(b.url, project), 'stored by the child');
    const served = await call(a.url, await keyFor(a.url, project), 'stored by the child');
    expect(stored.cache).toBe('MISS');
    expect(served).toMatchObject({ cache: 'HIT', text: stored.text });
    expect(upstreamCalls(a.mock, 'stored by the child')).toBe(0);
    expect(upstreamCalls(mockB, 'stored by the child')).toBe(1);
    const row = await a.row(served.requestId, project);
    expect(row).toMatchObject({ cache_status: 'hit', cache_source_request_id: stored.requestId });
    expect(row.cost_saved_usd).toBeGreaterThan(0);
  });

  it('keeps projects apart', async () => {
    const one = await call(a.url, await keyFor(a.url, `one-${Date.now()}`), 'per project');
    const two = await call(b.url, await keyFor(b.url, `two-${Date.now()}`), 'per project');
    expect([one.cache, two.cache]).toEqual(['MISS', 'MISS']);
  });

  it('makes one upstream call for identical calls arriving at both processes at once', async () => {
    const project = `stampede-${Date.now()}`;
    const keys = [await keyFor(a.url, project), await keyFor(b.url, project)];
    a.mock.scenario = 'slow-headers-300';
    mockB.scenario = 'slow-headers-300';
    try {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? b.url : a.url, keys[i % 2]!, 'both at once')));
      expect(upstreamCalls(a.mock, 'both at once') + upstreamCalls(mockB, 'both at once')).toBe(1);
      expect(results.filter((r) => r.cache === 'HIT')).toHaveLength(9);
      expect(new Set(results.map((r) => r.text)).size).toBe(1);
    } finally {
      a.mock.scenario = undefined;
      mockB.scenario = undefined;
    }
  });
});
