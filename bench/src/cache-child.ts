/**
 * Response-cache hit lookup in a process of its own: what a hit costs the gateway before the
 * reply is written — cache key (canonical JSON + SHA-256 of a chat request), backend get,
 * decode, and the replay plan — timed one lookup at a time, against the memory backend and
 * against a real redis-server on loopback (skipped with the reason when none can be started).
 * argv[2] is "quick" or "full". Runs when the parent asks `finish`; results come back as extra.
 */
import { performance } from 'node:perf_hooks';
import { startRedisServer, type RedisServer } from '@periscope/testkit';
// The cache modules are internal to @periscope/proxy, so they are imported by path.
import type { CacheBackend, StoredResponse } from '@periscope/proxy';
import { cacheKey, exclusionsFor, MemoryCacheBackend, RedisCacheBackend, ResponseCache, type CacheRequest, createRedisClient, redisReady } from '@periscope/proxy';
import { serveParent } from './child-protocol.ts';
import { Histogram, type Percentiles } from './histogram.ts';

export interface CacheLookupTiming {
  label: string;
  lookups: number;
  latencyMs: Percentiles;
}

export interface CacheBenchResult {
  requestBytes: number;
  responseBytes: number;
  timings: CacheLookupTiming[];
  /** Why the Redis row is missing, when it is. */
  redisSkipped?: string;
}

/** A mid-sized chat request: a system prompt and a 10-turn conversation, about 3 KB of JSON. */
function chatRequest(): Record<string, unknown> {
  const messages: unknown[] = [{ role: 'system', content: 'You are a helpful assistant for a payments company. '.repeat(20) }];
  for (let i = 0; i < 10; i++) {
    messages.push({ role: 'user', content: `Question ${i}: how do refunds work for order ${1000 + i}?` });
    messages.push({ role: 'assistant', content: `Answer ${i}: refunds for order ${1000 + i} go back to the original payment method within 5 days.` });
  }
  return { model: 'gpt-4o-mini', temperature: 0, messages };
}

/** A typical stored chat.completion, about 1 KB. */
const COMPLETION_TEXT = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1_700_000_000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Refunds go back to the original payment method. '.repeat(12), refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1200, completion_tokens: 150, total_tokens: 1350 },
});

function storedResponse(): StoredResponse {
  return {
    v: 1, requestId: 'bench-source', storedAt: Date.now(), provider: 'openai', providerType: 'openai', status: 200,
    headers: { 'content-type': 'application/json' }, body: { kind: 'json', text: COMPLETION_TEXT },
  };
}

async function timeLookups(label: string, backend: CacheBackend, count: number): Promise<CacheLookupTiming> {
  const cache = new ResponseCache({ backend, singleFlightWaitMs: 1000, onBackendError: (err) => { throw err; } });
  const body = chatRequest();
  const exclusions = exclusionsFor([]);
  const keyOf = () => cacheKey({ projectId: 'bench', seed: '', route: ' /v1/chat/completions', endpoint: 'chat.completions', semanticHeaders: '\n', body, exclusions });
  const request = (key: string): CacheRequest => ({ key, refresh: false, bucketSize: 1, ttlMs: 3_600_000, replay: { endpoint: 'chat.completions', stream: false, includeUsage: false } });
  const first = await cache.lookup(request(keyOf()));
  if (first.status !== 'miss') throw new Error('the first lookup should miss');
  await first.complete(storedResponse());
  const histogram = new Histogram();
  const warmup = Math.min(2000, count / 5);
  for (let i = 0; i < warmup + count; i++) {
    const t0 = performance.now();
    const hit = await cache.lookup(request(keyOf()));
    const elapsed = performance.now() - t0;
    if (hit.status !== 'hit') throw new Error(`${label}: lookup ${i} missed`);
    if (i >= warmup) histogram.record(elapsed);
  }
  return { label, lookups: count, latencyMs: histogram.summary() };
}

async function run(quick: boolean): Promise<CacheBenchResult> {
  const count = quick ? 20_000 : 100_000;
  const timings = [await timeLookups('memory backend', new MemoryCacheBackend(64 * 1024 * 1024), count)];
  let redisSkipped: string | undefined;
  let server: RedisServer | undefined;
  try {
    server = await startRedisServer();
    const redis = await createRedisClient({ url: server.url });
    await redisReady(redis);
    timings.push(await timeLookups('Redis backend (redis-server on loopback)', new RedisCacheBackend(redis), quick ? 5_000 : 20_000));
    redis.disconnect();
  } catch (err) {
    redisSkipped = `skipped: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  } finally {
    await server?.stop();
  }
  return {
    requestBytes: JSON.stringify(chatRequest()).length,
    responseBytes: COMPLETION_TEXT.length,
    timings,
    ...(redisSkipped ? { redisSkipped } : {}),
  };
}

serveParent({ url: '' }, async () => ({ ...(await run(process.argv[2] === 'quick')) }));
