import type { PromptSegment } from './tokens.ts';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MINUTE = 60_000;
/** Anthropic checks for a cached prefix at each breakpoint and up to this many blocks before it. */
export const LOOKBACK_SEGMENTS = 20;
export const MAX_BREAKPOINTS = 4;

/** Anthropic's minimum cacheable prompt: 2,048 tokens on Haiku models, 1,024 on the others. */
export function minCacheableTokens(model: string): number {
  return /haiku/i.test(model) ? 2048 : 1024;
}

export interface CacheAccounting {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface Boundary {
  /** Tokens of the prompt up to and including this segment (the mock's chars / 4, rounded up). */
  tokens: number;
  /** Identity of that prefix: its length and FNV-1a hash, under the model. */
  key: string;
}

/**
 * Anthropic's prompt caching, as its usage reports it: every `cache_control` breakpoint
 * defines a cacheable prefix (the prompt up to that block). A request reads the longest prefix
 * written earlier, found at one of its breakpoints or up to 20 blocks before one, if that
 * prefix was used within its TTL (5 minutes, or 1 hour for `ttl: "1h"`; each read refreshes
 * it); it writes the prefixes of its breakpoints beyond that; `input_tokens` counts what lies
 * after the last breakpoint. Prefixes below the model's minimum length are never cached.
 */
export class AnthropicPromptCache {
  readonly #entries = new Map<string, { expiresAt: number; ttlMs: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  clear(): void {
    this.#entries.clear();
  }

  account(model: string, segments: readonly PromptSegment[]): CacheAccounting {
    const boundaries = boundariesOf(model, segments);
    const total = boundaries.at(-1)?.tokens ?? 0;
    const min = minCacheableTokens(model);
    const now = this.#now();
    const breakpoints = segments.flatMap((s, i) => (s.cacheBreakpoint && boundaries[i]!.tokens >= min ? [i] : []));
    const none = { input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } };
    if (breakpoints.length === 0) return none;

    let read = -1;
    for (const b of breakpoints) {
      for (let j = b; j >= 0 && b - j < LOOKBACK_SEGMENTS; j--) {
        const entry = this.#entries.get(boundaries[j]!.key);
        if (entry && entry.expiresAt > now) {
          if (j > read) read = j;
          break;
        }
      }
    }
    if (read >= 0) {
      const entry = this.#entries.get(boundaries[read]!.key)!;
      entry.expiresAt = now + entry.ttlMs;
    }
    const readTokens = read >= 0 ? boundaries[read]!.tokens : 0;
    const last = breakpoints.at(-1)!;
    let written5m = 0;
    let written1h = 0;
    if (last > read) {
      let from = readTokens;
      for (const b of breakpoints) {
        if (b <= read) continue;
        const ttlMs = segments[b]!.cacheTtl === '1h' ? 60 * MINUTE : 5 * MINUTE;
        this.#entries.set(boundaries[b]!.key, { expiresAt: now + ttlMs, ttlMs });
        // Each stretch is written with the TTL of the breakpoint that ends it.
        if (ttlMs > 5 * MINUTE) written1h += boundaries[b]!.tokens - from;
        else written5m += boundaries[b]!.tokens - from;
        from = boundaries[b]!.tokens;
      }
    }
    const cachedThrough = Math.max(readTokens, boundaries[last]!.tokens);
    return {
      input_tokens: total - cachedThrough,
      cache_creation_input_tokens: written5m + written1h,
      cache_read_input_tokens: readTokens,
      cache_creation: { ephemeral_5m_input_tokens: written5m, ephemeral_1h_input_tokens: written1h },
    };
  }
}

/** Token count and identity of every prefix ending at a segment, in one pass over the text. */
function boundariesOf(model: string, segments: readonly PromptSegment[]): Boundary[] {
  let hash = FNV_OFFSET;
  let chars = 0;
  const out: Boundary[] = [];
  segments.forEach((segment, i) => {
    // The prompt text is the segments joined with '\n', as tokens.ts counts it.
    const text = i === 0 ? segment.text : `\n${segment.text}`;
    for (let c = 0; c < text.length; c++) {
      hash ^= text.charCodeAt(c);
      hash = Math.imul(hash, FNV_PRIME);
    }
    chars += text.length;
    out.push({ tokens: Math.ceil(chars / 4), key: `${model}:${chars}:${hash >>> 0}` });
  });
  return out;
}
