import { z } from 'zod';
import { isJsonPath } from '../cache/json-paths.ts';
import { SPOOL_FULL_POLICIES } from '../events/spool/spool-policy.ts';
import { DEFAULT_SESSION_HEADERS } from '../agents/agent-headers.ts';

export const PROVIDER_TYPES = ['openai', 'anthropic', 'openai-compatible', 'azure-openai', 'gemini'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

const providerSchema = z.strictObject({
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
const triggerSchema = z.union([z.number().int().min(400).max(599), z.enum(['timeout', 'connection', 'context_length', 'content_policy'])]);
export type RetryTrigger = z.infer<typeof triggerSchema>;
export const DEFAULT_TRIGGERS: RetryTrigger[] = [429, 500, 502, 503, 504, 529, 'timeout', 'connection'];

const retrySchema = z.strictObject({
  /** Retries after the first attempt, inside the model's deployments. */
  attempts: z.number().int().min(0).max(10).default(0),
  on: z.array(triggerSchema).default(DEFAULT_TRIGGERS),
  /** Full-jitter exponential backoff: a random wait in [0, min(max, base * 2^n)]. */
  base_delay_ms: z.number().int().nonnegative().default(250),
  max_delay_ms: z.number().int().nonnegative().default(8_000),
  /** Retry-After / retry-after-ms is honoured up to this; a longer one ends the retries. */
  max_retry_after_ms: z.number().int().nonnegative().default(30_000),
});

const cooldownSchema = z.strictObject({
  /** Consecutive retryable failures that take a deployment out of rotation. */
  failures: z.number().int().positive().default(3),
  /** How long it stays out before one probe call is let through. */
  cooldown_ms: z.number().int().positive().default(30_000),
});

const deploymentSchema = z.strictObject({
  provider: z.string(),
  model: z.string().optional(),
  weight: z.number().positive().default(1),
});

export const ROUTING_STRATEGIES = ['weighted', 'least-inflight', 'latency', 'cost'] as const;

const DURATION_UNITS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** Seconds, as a number or a string like `90s`, `15m`, `1h`, `7d`. */
const durationSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+[smhd]$/, 'expected seconds or a duration like 90s, 15m, 1h, 7d').transform((v) => Number(v.slice(0, -1)) * DURATION_UNITS[v.at(-1) as keyof typeof DURATION_UNITS]),
]);

/** `models.<name>.cache`: the response cache for calls naming this model. */
const modelCacheSchema = z.strictObject({
  /** Cache every call to this model unless it sends `Periscope-Cache-Enabled: false`. */
  enabled: z.boolean().default(false),
  /** Lifetime of stored responses when the call sends no `Cache-Control: max-age`; defaults to cache.default_ttl. */
  ttl: durationSchema.optional(),
  /** Request fields left out of the cache key beyond the built-in list, e.g. `messages[*].name`. */
  exclude_paths: z.array(z.string().refine(isJsonPath, { error: (issue) => `not a JSON path (keys, [n], * or [*]): ${JSON.stringify(issue.input)}` })).default([]),
});

export const PROMPT_CACHE_MODES = ['auto', 'off'] as const;

const modelSchema = z.strictObject({
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

const limitSchema = z.strictObject({
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
const cacheSchema = z.strictObject({
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

const priceSchema = z.looseObject({});

/** Alert notifications (read by the ingest; a reload applies to the next delivery). */
const alertsSchema = z.strictObject({
  /** Let webhook, Slack and SMTP targets be loopback, private or link-local addresses (refused by default). */
  allow_private_targets: z.boolean().default(false),
  /** The UI's address as users reach it, for links in notifications; default: the address the server listens on. */
  public_url: z.url({ protocol: /^https?$/ }).optional(),
  /** The SMTP server of email channels that name none. */
  smtp: z.strictObject({
    host: z.string().min(1),
    /** Default 465 with `secure`, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Implicit TLS from the first byte (port 465); otherwise STARTTLS as `starttls` says. */
    secure: z.boolean().default(false),
    starttls: z.enum(['required', 'opportunistic', 'never']).default('opportunistic'),
    user: z.string().optional(),
    password: z.string().optional(),
    from: z.string().min(3),
    /** Verify the server's certificate; trust a private CA with `ca` (PEM) rather than turning this off. */
    reject_unauthorized: z.boolean().default(true),
    ca: z.string().optional(),
  }).optional(),
});

/** SQL reports: limits of users' queries (each enforced by the engine per query) and of exports. */
const reportsSchema = z.strictObject({
  /** Rows the SQL console shows at most; a result with more is cut and flagged. */
  max_result_rows: z.number().int().positive().default(10_000),
  /** Rows an export (download, scheduled delivery, `periscope report run`) carries at most. */
  export_max_rows: z.number().int().positive().default(1_000_000),
  /** Longest a console query may run in the engine. */
  max_execution_seconds: z.number().positive().default(5),
  /** Longest an export's query may run in the engine (the download itself may take longer). */
  export_max_execution_seconds: z.number().positive().default(120),
  /** Bytes one export may hold (its file on disk); a bigger one stops with an error. */
  export_max_bytes: z.number().int().positive().default(1024 * 1024 * 1024),
  /** Exports one user or token may run at once (downloads included). */
  exports_per_user: z.number().int().positive().default(2),
  /** An export is refused, or stopped, rather than leave less free disk space than this for the store. */
  export_min_free_disk_bytes: z.number().int().nonnegative().default(1024 * 1024 * 1024),
  max_memory_bytes: z.number().int().positive().default(1024 * 1024 * 1024),
  max_rows_to_read: z.number().int().positive().default(1_000_000_000),
  /** Queries (console, exports, report runs) one user or token may start per minute. */
  queries_per_minute: z.number().int().positive().default(60),
  /** A scheduled report larger than this is delivered as a signed link instead of an attachment. */
  max_attachment_bytes: z.number().int().positive().default(10 * 1024 * 1024),
  /** How long a delivered link to a report export stays valid. */
  link_ttl_hours: z.number().int().positive().default(168),
}).prefault({});

const timeoutsSchema = z.strictObject({
  connect_ms: z.number().int().positive().default(10_000),
  // Reasoning models can think for minutes before the first header of a non-streamed reply.
  headers_ms: z.number().int().positive().default(600_000),
  // Longest silence allowed between two body chunks (a long reasoning pause mid-stream).
  idle_body_ms: z.number().int().positive().default(300_000),
});

/**
 * The disk spool every event is appended to before its answer ends; a reader in another
 * process (the store of `periscope start`) or thread (the Kafka shipper) moves events on.
 */
const spoolSchema = z.strictObject({
  /** Default: `<data-dir>/spool`. */
  dir: z.string().optional(),
  max_bytes: z.number().int().positive().default(1024 * 1024 * 1024),
  fsync_interval_ms: z.number().int().positive().default(200),
  /** drop-newest counts and logs each dropped event; fail-calls answers 503 while the spool is full. */
  on_full: z.enum(SPOOL_FULL_POLICIES).default('drop-newest'),
});

const kafkaSchema = z.strictObject({
  /** host:port list; also `--kafka` / PERISCOPE_KAFKA_BROKERS. Empty = embedded in-process queue. */
  brokers: z.array(z.string()).default([]),
  topic: z.string().default('periscope.events'),
  dead_letter_topic: z.string().default('periscope.events.dlq'),
  /** Used when the gateway creates the topic. */
  partitions: z.number().int().positive().default(6),
  /** Ingest consumer session: how long a crashed worker holds its partitions before a rebalance. */
  session_timeout_ms: z.number().int().min(6000).default(30_000),
  /** No longer used: every event goes to the disk spool first (accepted so older files still load). */
  memory_queue_events: z.number().int().positive().optional(),
  /** Older name of `logging.spool`, used when that is not set. */
  spool: spoolSchema.optional(),
});

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;

/**
 * OpenTelemetry export of one GenAI span per call (see otel/). Off unless `endpoint` is set;
 * restart-only (the exporter thread starts with the process).
 */
const otelSchema = z.strictObject({
  /** OTLP/HTTP traces URL; a URL without a path gets `/v1/traces` appended. Unset = no tracing. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  protocol: z.enum(OTLP_PROTOCOLS).default('http/protobuf'),
  /** Sent with every export (e.g. `authorization: Basic ${LANGFUSE_AUTH}`); values take ${ENV}. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not an HTTP header name'), z.string()).default({}),
  service_name: z.string().min(1).default('periscope'),
  /** Extra resource attributes, e.g. `deployment.environment.name: prod`. */
  resource_attributes: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).default({}),
  sampling: z.strictObject({
    /** Share of new traces (calls without a sampled parent) that are recorded, 0 to 1. */
    ratio: z.number().min(0).max(1).default(1),
    /** Follow the caller's traceparent decision when it sends one. */
    parent_based: z.boolean().default(true),
  }).prefault({}),
  /** Prompt and completion content on spans (gen_ai.input.messages, ...): scrubbed like stored bodies. */
  capture_content: z.boolean().default(false),
  /** Bound of each content attribute, in bytes; longer content is cut and flagged. */
  content_max_bytes: z.number().int().positive().max(1024 * 1024).default(16 * 1024),
  /** Spans waiting for export at most; more are dropped and counted (periscope_otel_spans_dropped_total). */
  queue_size: z.number().int().positive().default(4096),
  /** Spans per export request. */
  batch_size: z.number().int().positive().max(8192).default(512),
  /** Longest a span waits for a batch to fill before it is sent. */
  batch_interval_ms: z.number().int().positive().default(1000),
  /** One export request's limit; a failed or timed-out batch is retried with backoff, then dropped. */
  export_timeout_ms: z.number().int().positive().default(10_000),
}).prefault({});

export const configSchema = z.strictObject({
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'provider names use a-z, 0-9, _ and -'), providerSchema).default({}),
  models: z.record(z.string(), modelSchema).default({}),
  /** Per-model price overrides, USD per million tokens; validated by the pricing module. */
  pricing: z.record(z.string(), priceSchema).default({}),
  gateway: z.strictObject({
    max_request_bytes: z.number().int().positive().default(32 * 1024 * 1024),
    /** Missing or invalid gateway keys one client address may send per minute before it gets 429s. */
    max_auth_failures_per_minute: z.number().int().positive().default(30),
    /** Upstreams a call may name with Periscope-Target-Url (URL prefixes; `https://*.host` for subdomains). */
    target_urls: z.array(z.url({ protocol: /^https?$/ })).default([]),
    /** Private networks (CIDR) a Periscope-Target-Url may reach; all private, loopback and link-local ones are refused otherwise. */
    allow_private_networks: z.array(z.string()).default([]),
    timeouts: timeoutsSchema.default({ connect_ms: 10_000, headers_ms: 600_000, idle_body_ms: 300_000 }),
  }).prefault({}),
  logging: z.strictObject({
    /** Bodies longer than this are stored truncated, with a flag. */
    max_stored_body_bytes: z.number().int().nonnegative().default(256 * 1024),
    /** Bodies are cleared after this many days; 0 keeps them. */
    body_ttl_days: z.number().int().nonnegative().default(30),
    /** No longer used: events go to the disk spool, not a memory queue (accepted so older files still load). */
    queue_max_events: z.number().int().positive().optional(),
    spool: spoolSchema.prefault({}),
  }).prefault({}),
  kafka: kafkaSchema.prefault({}),
  routing: z.strictObject({
    retry: retrySchema.prefault({}),
    fallback_on: z.array(triggerSchema).default(DEFAULT_TRIGGERS),
    cooldown: cooldownSchema.prefault({}),
  }).prefault({}),
  limits: z.array(limitSchema).default([]),
  /** Sessions of calls that send no Periscope-Session-Id: the agents' own session headers, in order (`[]` turns this off). */
  sessions: z.strictObject({
    from_headers: z.array(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name').transform((h) => h.toLowerCase())).default(DEFAULT_SESSION_HEADERS),
  }).prefault({}),
  cache: cacheSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  reports: reportsSchema,
  otel: otelSchema,
});

export type PeriscopeConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ProviderConfigInput = z.input<typeof providerSchema>;
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
export type KafkaConfig = z.infer<typeof kafkaSchema>;
export type SpoolConfig = z.infer<typeof spoolSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type DeploymentConfig = z.infer<typeof deploymentSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;
export type CooldownConfig = z.infer<typeof cooldownSchema>;
export type LimitConfig = z.infer<typeof limitSchema>;
export type KeyLimits = z.infer<typeof keyLimitsSchema>;
export type CacheConfig = z.infer<typeof cacheSchema>;
export type AlertsConfig = z.infer<typeof alertsSchema>;
export type OtelConfig = z.infer<typeof otelSchema>;
export type ModelCacheConfig = z.infer<typeof modelCacheSchema>;
export type ProviderKeyConfig = NonNullable<ProviderConfig['keys']>[number];
