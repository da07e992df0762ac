import type { ProviderType } from '@periscope/contract';

/** What a provider's prompt cache needs for a prefix to be cached, and how long it keeps it. */
export interface PromptCacheRules {
  provider: 'anthropic' | 'openai';
  /** Shortest cacheable prefix, in tokens. */
  minTokens: number;
  /** Idle time after which a cached prefix is gone (Anthropic's 1-hour breakpoints aside). */
  ttlMs: number;
}

const MINUTE = 60_000;
/** Anthropic reads a cached prefix at a breakpoint or up to this many blocks before one. */
export const ANTHROPIC_LOOKBACK_BLOCKS = 20;
export const ANTHROPIC_1H_TTL_MS = 60 * MINUTE;
/** Tokens are approximated as characters / 4 (English prose and JSON run at about that). */
export const CHARS_PER_TOKEN = 4;

/**
 * The rules for a provider type and model: Anthropic caches from 1,024 tokens (2,048 on
 * Haiku models) for 5 minutes after the last use; OpenAI from 1,024 tokens, typically for
 * 5–10 minutes of inactivity. undefined for providers without a prefix cache we can predict.
 */
export function promptCacheRules(providerType: ProviderType | undefined, model: string): PromptCacheRules | undefined {
  if (providerType === 'anthropic') {
    return { provider: 'anthropic', minTokens: /haiku/i.test(model) ? 2048 : 1024, ttlMs: 5 * MINUTE };
  }
  if (providerType === 'openai' || providerType === 'azure-openai') return { provider: 'openai', minTokens: 1024, ttlMs: 5 * MINUTE };
  return undefined;
}
