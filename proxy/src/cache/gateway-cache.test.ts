import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { parseConfig } from '../config/load.ts';
import { createProxyMetrics } from '../metrics.ts';
import type { ParsedBody } from '../relay/request-body.ts';
import { readRequestMetadata } from '../request-metadata.ts';
import { testCall } from '../testing/test-call.ts';
import type { CacheBackend } from './backend.ts';
import { GatewayCache } from './gateway-cache.ts';
import { MemoryCacheBackend } from './memory-backend.ts';

const config = parseConfig({}, {});
const json = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const parsed = (stream = false): ParsedBody => ({ raw: Buffer.from(JSON.stringify(json)), text: undefined, json: { ...json, stream }, model: 'gpt-4o-mini', stream });
const on = { 'periscope-cache-enabled': 'true' };

function setup(backend: CacheBackend = new MemoryCacheBackend(1 << 20), maxEntryBytes = 1 << 20) {
  const registry = new Registry();
  const metrics = createProxyMetrics(registry);
  const settings = { ...config.cache, max_entry_bytes: maxEntryBytes };
  const cache = new GatewayCache(backend, settings, metrics, { warn: () => {} });
  const lookup = (headers: Record<string, string>, body = parsed()) => {
    const call = testCall({ meta: readRequestMetadata(headers) });
    return { call, outcome: cache.lookup(call, headers, body, { prefix: undefined, apiPath: '/v1/chat/completions' }, config) };
  };
  return { lookup, registry };
}

/** A backend that fails the test if anything touches it. */
const untouchable: CacheBackend = {
  kind: 'memory',
  get: () => Promise.reject(new Error('looked up')),
  add: () => Promise.reject(new Error('stored')),
};

describe('GatewayCache', () => {
  it('does nothing for calls with caching off, or bypassed by no-store', async () => {
    const { lookup, registry } = setup(untouchable);
    const off = lookup({});
    expect(await off.outcome).toBeUndefined();
    expect(off.call.cacheStatus).toBe('bypass');
    const noStore = lookup({ ...on, 'cache-control': 'no-store' });
    expect(await noStore.outcome).toBeUndefined();
    expect(noStore.call).toMatchObject({ cacheStatus: 'bypass', responseHeaders: {} });
    expect(await registry.getSingleMetricAsString('periscope_cache_lookups_total')).toContain('result="bypass"} 1');
  });

  it('stores a complete 2xx answer, and marks the next call a hit from it', async () => {
    const { lookup } = setup();
    const first = lookup(on);
    const miss = await first.outcome;
    expect(miss?.kind).toBe('miss');
    expect(first.call).toMatchObject({ cacheStatus: 'miss', responseHeaders: { 'periscope-cache': 'MISS' } });
    first.call.response.add(Buffer.from('{"id":"x","choices":[]}'));
    if (miss?.kind === 'miss') await miss.recorder.ended(true, 200, { 'content-type': 'application/json', 'set-cookie': ['a=b'], 'x-request-id': 'up-1' }, false);
    const second = lookup(on);
    const hit = await second.outcome;
    expect(hit).toMatchObject({ kind: 'hit', source: { requestId: 'r1', headers: { 'content-type': 'application/json', 'x-request-id': 'up-1' } } });
    expect(hit?.kind === 'hit' && 'set-cookie' in hit.source.headers).toBe(false);
    expect(second.call).toMatchObject({ cacheStatus: 'hit', cacheSourceRequestId: 'r1' });
  });

  it('stores nothing for an error status, an in-stream error, or a stream over max_entry_bytes', async () => {
    const { lookup } = setup(new MemoryCacheBackend(1 << 20), 100);
    const cases: Array<[boolean, number, string[]]> = [
      [true, 500, ['data: {"choices":[]}\n\n']],
      [false, 200, ['data: {"choices":[]}\n\n']],
      [true, 200, [`data: ${'x'.repeat(60)}\n\n`, `data: ${'y'.repeat(60)}\n\n`]],
    ];
    for (const [ok, status, frames] of cases) {
      const miss = await lookup(on, parsed(true)).outcome;
      // Each case finds the key empty: a stored answer would have made this a hit.
      if (miss?.kind !== 'miss') throw new Error(`expected a miss before ${ok} ${status} ${frames.length}`);
      for (const f of frames) miss.recorder.frame(f);
      await miss.recorder.ended(ok, status, { 'content-type': 'text/event-stream' }, true);
    }
    expect((await lookup(on, parsed(true)).outcome)?.kind).toBe('miss');
  });

  it('releases the calls waiting on a miss when the call ends without storing', async () => {
    const { lookup } = setup();
    const first = lookup(on);
    await first.outcome;
    const waiting = lookup(on).outcome;
    await new Promise((r) => setImmediate(r));
    for (const end of first.call.onEnd) end({} as never);
    expect((await waiting)?.kind).toBe('miss');
  });
});
