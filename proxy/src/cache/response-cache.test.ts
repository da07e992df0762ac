import { describe, expect, it } from 'vitest';
import type { CacheBackend } from './backend.ts';
import { MemoryCacheBackend } from './memory-backend.ts';
import { ResponseCache, type CacheLookup, type CacheRequest } from './response-cache.ts';
import type { StoredResponse } from './stored-response.ts';

function stored(requestId: string, text = `{"id":"${requestId}"}`): StoredResponse {
  return {
    v: 1, requestId, storedAt: Date.now(), provider: 'openai', providerType: 'openai', status: 200,
    headers: { 'content-type': 'application/json' }, body: { kind: 'json', text },
  };
}

function request(overrides: Partial<CacheRequest> = {}): CacheRequest {
  return {
    key: 'k1', refresh: false, bucketSize: 1, ttlMs: 60_000,
    replay: { endpoint: 'chat.completions', stream: false, includeUsage: false }, ...overrides,
  };
}

function setup(options: { backend?: CacheBackend; waitMs?: number; random?: () => number } = {}) {
  const errors: string[] = [];
  const cache = new ResponseCache({
    backend: options.backend ?? new MemoryCacheBackend(1 << 20),
    singleFlightWaitMs: options.waitMs ?? 5_000,
    onBackendError: (_err, op) => errors.push(op),
    random: options.random,
  });
  return { cache, errors };
}

const sourceOf = (l: CacheLookup) => (l.status === 'hit' ? l.source.requestId : 'miss');

async function miss(cache: ResponseCache, req: CacheRequest) {
  const lookup = await cache.lookup(req);
  if (lookup.status !== 'miss') throw new Error(`expected a miss, got a hit from ${lookup.source.requestId}`);
  return lookup;
}

describe('ResponseCache', () => {
  it('misses, stores, then hits with the stored response', async () => {
    const { cache } = setup();
    await (await miss(cache, request())).complete(stored('r1'));
    const hit = await cache.lookup(request());
    expect(hit).toMatchObject({ status: 'hit', source: { requestId: 'r1' }, body: { kind: 'json', text: '{"id":"r1"}' } });
  });

  it('does not store a failed call', async () => {
    const { cache } = setup();
    await (await miss(cache, request())).complete(undefined);
    expect((await cache.lookup(request())).status).toBe('miss');
  });

  it('refresh (no-cache) skips the lookup but stores the new response', async () => {
    const { cache } = setup();
    await (await miss(cache, request())).complete(stored('old'));
    await (await miss(cache, request({ refresh: true }))).complete(stored('new'));
    expect(sourceOf(await cache.lookup(request()))).toBe('new');
  });

  it('fills a bucket before serving, then serves a random variant', async () => {
    let next = 0;
    const { cache } = setup({ random: () => next });
    const req = request({ bucketSize: 3 });
    for (const id of ['a', 'b', 'c']) await (await miss(cache, req)).complete(stored(id));
    const served = [];
    for (next of [0, 0.4, 0.9]) served.push(sourceOf(await cache.lookup(req)));
    expect(served).toEqual(['a', 'b', 'c']);
  });

  it('misses when the stored shape cannot answer the request, and serves one that can', async () => {
    const { cache } = setup();
    const responses = request({ replay: { endpoint: 'responses', stream: true, includeUsage: false } });
    await (await miss(cache, responses)).complete(stored('json-only'));
    expect((await cache.lookup(responses)).status).toBe('miss');
    expect(sourceOf(await cache.lookup(request({ replay: { endpoint: 'responses', stream: false, includeUsage: false } })))).toBe('json-only');
  });

  it('makes one upstream call for 50 concurrent identical lookups; the rest are hits', async () => {
    const { cache } = setup();
    const lookups = Array.from({ length: 50 }, () => cache.lookup(request()));
    // Only the leader settles before it completes; everyone else is waiting on it.
    const leader = await Promise.race(lookups);
    expect(leader.status).toBe('miss');
    expect(cache.inFlight).toBe(1);
    if (leader.status === 'miss') await leader.complete(stored('leader'));
    const results = (await Promise.all(lookups)).map(sourceOf);
    expect(results.filter((s) => s === 'miss')).toHaveLength(1);
    expect(results.filter((s) => s === 'leader')).toHaveLength(49);
    expect(cache.inFlight).toBe(0);
  });

  it('releases the waiters as misses when the leader fails', async () => {
    const { cache } = setup({ waitMs: 60_000 });
    const leader = await miss(cache, request());
    const waiting = Array.from({ length: 5 }, () => cache.lookup(request()));
    await new Promise((r) => setImmediate(r)); // their lookups found nothing and joined the flight
    await leader.complete(undefined);
    expect((await Promise.all(waiting)).map((l) => l.status)).toEqual(Array(5).fill('miss'));
  });

  it('stops waiting after the bound and goes upstream', async () => {
    const { cache } = setup({ waitMs: 50 });
    const leader = await miss(cache, request());
    const started = performance.now();
    expect((await cache.lookup(request())).status).toBe('miss');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    await leader.complete(stored('late'));
  });

  it('does not coalesce refreshes or bucket fills', async () => {
    const { cache } = setup();
    const first = await miss(cache, request({ bucketSize: 2 }));
    expect((await cache.lookup(request({ bucketSize: 2 }))).status).toBe('miss');
    expect((await cache.lookup(request({ refresh: true }))).status).toBe('miss');
    expect(cache.inFlight).toBe(0);
    await first.complete(undefined);
  });

  it('treats backend failures as misses and reports them', async () => {
    const broken: CacheBackend = {
      kind: 'memory',
      get: () => Promise.reject(new Error('down')),
      add: () => Promise.reject(new Error('down')),
    };
    const { cache, errors } = setup({ backend: broken });
    await (await miss(cache, request())).complete(stored('x'));
    expect(errors).toEqual(['get', 'add']);
  });

  it('answers from a variant that decodes when another is corrupt', async () => {
    const backend = new MemoryCacheBackend(1 << 20);
    await backend.add('k1', Buffer.from('not json'), 60_000, 2);
    const { cache } = setup({ backend, random: () => 0 });
    await (await miss(cache, request({ bucketSize: 2 }))).complete(stored('good'));
    expect(sourceOf(await cache.lookup(request({ bucketSize: 2 })))).toBe('good');
  });
});
