import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Redis } from 'ioredis';
import type { CallRecord } from '../call-record.ts';
import type { CacheConfig, ModelCacheConfig, PeriscopeConfig, PathTrie } from '@periscope/contract';
import type { ProxyMetrics } from '../metrics.ts';
import type { Endpoint } from '../providers/types.ts';
import type { ParsedBody } from '../relay/request-body.ts';
import { jsonObject } from '../usage/usage.ts';
import type { CacheBackend } from './backend.ts';
import { cacheTtlMs, parseCacheControl } from './cache-control.ts';
import { cacheKey, exclusionsFor } from './cache-key.ts';
import { MemoryCacheBackend } from './memory-backend.ts';
import { RedisCacheBackend } from './redis-backend.ts';
import { ResponseCache, type CacheLookup, type CacheOperation } from './response-cache.ts';
import type { StoredBody, StoredResponse } from './stored-response.ts';
import { replayableHeaders } from './stored-response.ts';

/** Endpoints whose answer is a function of the request; listing models and pass-through are not cached. */
const CACHEABLE: ReadonlySet<Endpoint> = new Set(['chat.completions', 'completions', 'embeddings', 'responses', 'messages', 'messages.count_tokens']);

export type CacheOutcome =
  | { kind: 'hit'; source: StoredResponse; body: StoredBody }
  | { kind: 'miss'; recorder: ResponseRecorder };

interface Log {
  warn(obj: object, msg: string): void;
}

/** The backend the config asks for; `redis` needs the shared client made from PERISCOPE_REDIS_URL. */
export function createCacheBackend(settings: CacheConfig, redis: Redis | undefined): CacheBackend {
  if (settings.backend === 'memory') return new MemoryCacheBackend(settings.max_bytes);
  if (!redis) throw new Error('cache.backend is redis, but PERISCOPE_REDIS_URL is not set');
  return new RedisCacheBackend(redis);
}

/**
 * The response cache as the gateway uses it: decides per call whether caching applies
 * (`Periscope-Cache-Enabled`, or the model's `cache.enabled`; `Cache-Control: no-store`
 * bypasses), looks the call up before routing, and hands a miss a recorder that stores the
 * response once it ended well. A call with caching off costs two header reads: no hashing,
 * no serialising.
 */
export class GatewayCache {
  readonly #cache: ResponseCache;
  readonly #settings: CacheConfig;
  readonly #metrics: ProxyMetrics;
  readonly #exclusions = new WeakMap<ModelCacheConfig, PathTrie>();

  constructor(backend: CacheBackend, settings: CacheConfig, metrics: ProxyMetrics, log: Log) {
    this.#settings = settings;
    this.#metrics = metrics;
    let lastLogged = 0;
    this.#cache = new ResponseCache({
      backend,
      singleFlightWaitMs: settings.single_flight_wait_ms,
      onBackendError: (err: unknown, operation: CacheOperation) => {
        metrics.cacheErrors.inc({ operation });
        // A Redis outage fails every call's lookup: say so once a minute, not once a call.
        if (Date.now() - lastLogged > 60_000) {
          lastLogged = Date.now();
          log.warn({ err, operation }, 'response cache backend failed; calls go upstream uncached');
        }
      },
    });
  }

  /**
   * undefined, at once, when caching is off for this call (no promise for the caller to wait
   * on: most calls); otherwise its hit, or a miss to record, or undefined when bypassed.
   */
  lookup(
    call: CallRecord,
    headers: IncomingHttpHeaders,
    body: ParsedBody,
    route: { prefix: string | undefined; apiPath: string },
    config: PeriscopeConfig,
  ): Promise<CacheOutcome | undefined> | undefined {
    if (!body.json || !CACHEABLE.has(call.endpoint)) return undefined;
    const model = body.model !== undefined && Object.hasOwn(config.models, body.model) ? config.models[body.model]!.cache : undefined;
    if (!(call.meta.cache.enabled ?? model?.enabled ?? false)) return undefined;
    return this.#lookup(call, headers, body.json, body.stream, route, model);
  }

  async #lookup(
    call: CallRecord,
    headers: IncomingHttpHeaders,
    json: Record<string, unknown>,
    stream: boolean,
    route: { prefix: string | undefined; apiPath: string },
    model: ModelCacheConfig | undefined,
  ): Promise<CacheOutcome | undefined> {
    const { prefix, apiPath } = route;
    const directives = parseCacheControl(typeof headers['cache-control'] === 'string' ? headers['cache-control'] : undefined);
    if (directives.noStore || directives.maxAgeSeconds === 0) {
      this.#metrics.cacheLookups.inc({ result: 'bypass' });
      return undefined;
    }
    const key = cacheKey({
      projectId: call.projectId,
      seed: call.meta.cache.seed,
      // With no provider prefix, Periscope-Target-Url names where the call goes.
      route: `${prefix ?? (call.meta.targetUrl ? `target:${call.meta.targetUrl}` : '')} ${apiPath}`,
      endpoint: call.endpoint,
      semanticHeaders: `${headerText(headers['anthropic-version'])}\n${headerText(headers['anthropic-beta'])}`,
      body: json,
      exclusions: this.#exclusionsOf(model),
    });
    const lookup = await this.#cache.lookup({
      key,
      refresh: directives.noCache,
      bucketSize: call.meta.cache.bucketMaxSize ?? 1,
      ttlMs: cacheTtlMs(directives.maxAgeSeconds, model?.ttl, this.#settings.default_ttl, this.#settings.max_ttl),
      replay: { endpoint: call.endpoint, stream, includeUsage: jsonObject(json.stream_options)?.include_usage === true },
    });
    if (lookup.status === 'hit') {
      this.#metrics.cacheLookups.inc({ result: 'hit' });
      call.cacheStatus = 'hit';
      call.cacheSourceRequestId = lookup.source.requestId;
      return { kind: 'hit', source: lookup.source, body: lookup.body };
    }
    this.#metrics.cacheLookups.inc({ result: 'miss' });
    call.cacheStatus = 'miss';
    call.responseHeaders['periscope-cache'] = 'MISS';
    // Whatever ends the call (an error, the client leaving), the calls waiting on it are released.
    call.onEnd.push(() => void lookup.complete(undefined));
    return { kind: 'miss', recorder: new ResponseRecorder(lookup, call, this.#settings.max_entry_bytes) };
  }

  #exclusionsOf(model: ModelCacheConfig | undefined): PathTrie {
    if (!model) return exclusionsFor([]);
    let trie = this.#exclusions.get(model);
    if (!trie) this.#exclusions.set(model, (trie = exclusionsFor(model.exclude_paths)));
    return trie;
  }
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/**
 * Collects a missed call's response as it is relayed (the SSE frames as the provider sent
 * them, usage chunk included) and stores it when the response ended well: 2xx, complete, no
 * in-stream error, within max_entry_bytes. Anything else stores nothing.
 */
export class ResponseRecorder {
  readonly #lookup: Extract<CacheLookup, { status: 'miss' }>;
  readonly #call: CallRecord;
  readonly #maxBytes: number;
  #frames: string[] = [];
  #bytes = 0;

  constructor(lookup: Extract<CacheLookup, { status: 'miss' }>, call: CallRecord, maxBytes: number) {
    this.#lookup = lookup;
    this.#call = call;
    this.#maxBytes = maxBytes;
  }

  frame(raw: string): void {
    if (this.#bytes > this.#maxBytes) return;
    this.#bytes += raw.length;
    if (this.#bytes > this.#maxBytes) this.#frames = [];
    else this.#frames.push(raw);
  }

  /** Call when the response was relayed to its end (with the headers the client got); `ok` false when it carried an error. */
  async ended(ok: boolean, status: number, headers: OutgoingHttpHeaders, isSse: boolean): Promise<void> {
    const call = this.#call;
    const fits = isSse ? this.#bytes <= this.#maxBytes : call.response.complete && call.response.total <= this.#maxBytes;
    if (!ok || status < 200 || status >= 300 || !fits || !call.providerType) {
      await this.#lookup.complete(undefined);
      return;
    }
    await this.#lookup.complete({
      v: 1,
      requestId: call.requestId,
      storedAt: Date.now(),
      provider: call.provider,
      providerType: call.providerType,
      status,
      headers: replayableHeaders(headers),
      body: isSse ? { kind: 'sse', frames: this.#frames } : { kind: 'json', text: call.response.text() },
    });
  }
}
