/** The gateway's sections of the config: providers, models, routing, limits, caching, sessions. */
import { z } from 'zod';
import { isJsonPath } from './json-paths.ts';

/**
 * The session headers coding agents send by themselves (recorded from the real CLIs, see
 * testkit's agent-traffic fixture): Claude Code's `X-Claude-Code-Session-Id` (its gateway
 * protocol names it for exactly this) and Codex's `session-id`.
 */
export const DEFAULT_SESSION_HEADERS = ['x-claude-code-session-id', 'session-id'];

export const PROVIDER_TYPES = ['openai', 'anthropic', 'openai-compatible', 'azure-openai', 'gemini'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export const providerSchema = z.strictObject({
  type: z.enum(PROVIDER_TYPES),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Used only when the client sends no provider key of its own. */
  api_key: z.string().optional(),
  /** Azure OpenAI `api-version` query parameter. */
  api_version: z.string().optional(),
  /**
   * Add `stream_options.include_usage` to streamed OpenAI-style calls that did not ask for it,
   * so every stream is priced; the extra usage chunk is hidden from the client. Turn off for
   * servers that reject the field.
   */
  inject_stream_usage: z.boolean().default(true),
  /**
   * Several keys for one provider: each call picks one by weight among those under their caps
   * (rpm/tpm per minute, concurrent calls). Used like `api_key`, when the client sent none.
   */
  keys: z.array(z.strictObject({
    key: z.string().min(1),
    weight: z.number().positive().default(1),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    /** Calls in flight on this key; more wait in a bounded queue (see max_queue_ms). */
    max_concurrency: z.number().int().positive().optional(),
    /** Longest a call waits for a free slot of max_concurrency before it is answered 429. */
    max_queue_ms: z.number().int().nonnegative().default(10_000),
  })).min(1).optional(),
});

/** Status codes (and `timeout`, `connection`) that make an attempt retryable or a group fall back. */
export const triggerSchema = z.union([z.number().int().min(400).max(599), z.enum(['timeout', 'connection', 'context_length', 'content_policy'])]);
export type RetryTrigger = z.infer<typeof triggerSchema>;
export const DEFAULT_TRIGGERS: RetryTrigger[] = [429, 500, 502, 503, 504, 529, 'timeout', 'connection'];

export const retrySchema = z.strictObject({
  /** Retries after the first attempt, inside the model's deployments. */
  attempts: z.number().int().min(0).max(10).default(0),
  on: z.array(triggerSchema).default(DEFAULT_TRIGGERS),
  /** Full-jitter exponential backoff: a random wait in [0, min(max, base * 2^n)]. */
  base_delay_ms: z.number().int().nonnegative().default(250),
  max_delay_ms: z.number().int().nonnegative().default(8_000),
  /** Retry-After / retry-after-ms is honoured up to this; a longer one ends the retries. */
  max_retry_after_ms: z.number().int().nonnegative().default(30_000),
});

export const cooldownSchema = z.strictObject({
  /** Consecutive retryable failures that take a deployment out of rotation. */
  failures: z.number().int().positive().default(3),
  /** How long it stays out before one probe call is let through. */
  cooldown_ms: z.number().int().positive().default(30_000),
});

export const deploymentSchema = z.strictObject({
  provider: z.string(),
  model: z.string().optional(),
  weight: z.number().positive().default(1),
});

export const ROUTING_STRATEGIES = ['weighted', 'least-inflight', 'latency', 'cost'] as const;

const DURATION_UNITS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** Seconds, as a number or a string like `90s`, `15m`, `1h`, `7d`. */
export const durationSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+[smhd]$/, 'expected seconds or a duration like 90s, 15m, 1h, 7d').transform((v) => Number(v.slice(0, -1)) * DURATION_UNITS[v.at(-1) as keyof typeof DURATION_UNITS]),
]);

/** `models.<name>.cache`: the response cache for calls naming this model. */
export const modelCacheSchema = z.strictObject({
  /** Cache every call to this model unless it sends `Periscope-Cache-Enabled: false`. */
  enabled: z.boolean().default(false),
  /** Lifetime of stored responses when the call sends no `Cache-Control: max-age`; defaults to cache.default_ttl. */
  ttl: durationSchema.optional(),
  /** Request fields left out of the cache key beyond the built-in list, e.g. `messages[*].name`. */
  exclude_paths: z.array(z.string().refine(isJsonPath, { error: (issue) => `not a JSON path (keys, [n], * or [*]): ${JSON.stringify(issue.input)}` })).default([]),
});

export const PROMPT_CACHE_MODES = ['auto', 'off'] as const;

export const modelSchema = z.strictObject({
  strategy: z.enum(ROUTING_STRATEGIES).default('weighted'),
  deployments: z.array(deploymentSchema).min(1),
  /** Defaults to `routing.retry`. */
  retry: retrySchema.optional(),
  /** Models tried in order when every attempt on this one failed with a fallback trigger. */
  fallbacks: z.array(z.string()).default([]),
  /** Defaults to `routing.fallback_on`. */
  fallback_on: z.array(triggerSchema).optional(),
  /** Per-attempt limit until the response starts (headers; first byte of a stream). */
  attempt_timeout_ms: z.number().int().positive().optional(),
  /** Limit for all attempts and waits of a call, until the response starts. */
  deadline_ms: z.number().int().positive().optional(),
  cache: modelCacheSchema.optional(),
  /** `auto`: add Anthropic cache_control breakpoints on the stable prefix of Messages calls. */
  prompt_cache: z.enum(PROMPT_CACHE_MODES).default('off'),
});

const limitMatchSchema = z.strictObject({
  /** Gateway key id, or `*` for a counter per key. */
  key: z.string().optional(),
  /** Project, or `*` for a counter per project. */
  project: z.string().optional(),
  /** `Periscope-User-Id`, or `*` for a counter per user. */
  user: z.string().optional(),
  /** Model the client asked for, or `*` for a counter per model. */
  model: z.string().optional(),
});

/** What a limit counts; also the limits a gateway key can carry (`POST /api/keys`). */
export const keyLimitsSchema = z.strictObject({
  rpm: z.number().int().positive().max(4_294_967_295).optional(),
  /** Tokens (input + output) per minute, counted from actual usage after each call. */
  tpm: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().max(4_294_967_295).optional(),
  budget_usd: z.strictObject({
    day: z.number().positive().optional(),
    week: z.number().positive().optional(),
    month: z.number().positive().optional(),
  }).optional(),
});

export const limitSchema = z.strictObject({
  match: limitMatchSchema.prefault({}),
  ...keyLimitsSchema.shape,
  /**
   * For each session of the matching calls (by its session id; calls without one are outside):
   * dollars and tokens over the whole session. Counted for 7 days from the session's first call.
   */
  per_session: z.strictObject({
    budget_usd: z.number().positive().optional(),
    /** Tokens (input + output), counted from actual usage after each call. */
    tokens: z.number().int().positive().optional(),
  }).optional(),
  /** Fraction of a budget that logs a warning and counts periscope_budget_soft_exceeded_total. */
  soft_threshold: z.number().gt(0).max(1).default(0.8),
});

/** The response cache; restart-only (a reload keeps the backend it started with). */
export const cacheSchema = z.strictObject({
  /** `redis` shares entries between gateways and needs PERISCOPE_REDIS_URL. */
  backend: z.enum(['memory', 'redis']).default('memory'),
  /** Bound of the memory backend, in bytes (a Redis bounds itself with maxmemory). */
  max_bytes: z.number().int().positive().default(256 * 1024 * 1024),
  /** Responses larger than this are not stored. */
  max_entry_bytes: z.number().int().positive().default(8 * 1024 * 1024),
  default_ttl: durationSchema.default(7 * 86_400),
  /** No entry lives longer, whatever `Cache-Control: max-age` or a model's ttl says. */
  max_ttl: durationSchema.default(365 * 86_400),
  /** Longest a call waits for an identical call in flight before going upstream itself. */
  single_flight_wait_ms: z.number().int().nonnegative().default(30_000),
  /** Sessions whose last prompt the provider prompt-cache tracker remembers (least recently used go first). */
  prompt_cache_sessions: z.number().int().positive().default(10_000),
});

export const priceSchema = z.looseObject({});

export const timeoutsSchema = z.strictObject({
  connect_ms: z.number().int().positive().default(10_000),
  // Reasoning models can think for minutes before the first header of a non-streamed reply.
  headers_ms: z.number().int().positive().default(600_000),
  // Longest silence allowed between two body chunks (a long reasoning pause mid-stream).
  idle_body_ms: z.number().int().positive().default(300_000),
});

