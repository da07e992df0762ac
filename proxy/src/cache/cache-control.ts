/** The request's `Cache-Control` directives that steer the response cache. */
export interface CacheDirectives {
  /** Neither look up nor store. */
  noStore: boolean;
  /** Skip the lookup, store the fresh response (a forced refresh). */
  noCache: boolean;
  /** How long the response may be served from the cache, in seconds. */
  maxAgeSeconds: number | undefined;
}

const NONE: CacheDirectives = { noStore: false, noCache: false, maxAgeSeconds: undefined };

/** Lenient like HTTP caches: unknown directives and malformed values are ignored. */
export function parseCacheControl(header: string | undefined): CacheDirectives {
  if (!header) return NONE;
  const out: CacheDirectives = { ...NONE };
  for (const part of header.split(',')) {
    const [rawName, rawValue] = part.split('=', 2);
    const name = rawName!.trim().toLowerCase();
    if (name === 'no-store') out.noStore = true;
    else if (name === 'no-cache') out.noCache = true;
    else if (name === 'max-age' && rawValue !== undefined) {
      const value = rawValue.trim().replace(/^"(.*)"$/, '$1');
      if (/^\d+$/.test(value)) out.maxAgeSeconds = Number(value);
    }
  }
  return out;
}

/** The request's max-age, else the model's TTL, else the default; never above the maximum. */
export function cacheTtlMs(maxAgeSeconds: number | undefined, modelTtlSeconds: number | undefined, defaultTtlSeconds: number, maxTtlSeconds: number): number {
  return Math.min(maxAgeSeconds ?? modelTtlSeconds ?? defaultTtlSeconds, maxTtlSeconds) * 1000;
}
