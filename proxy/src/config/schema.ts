import { z } from 'zod';
import { SPOOL_FULL_POLICIES } from '../events/spool/spool-policy.ts';

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
});

const deploymentSchema = z.strictObject({
  provider: z.string(),
  model: z.string().optional(),
  weight: z.number().positive().optional(),
});

const modelSchema = z.strictObject({
  deployments: z.array(deploymentSchema).min(1),
});

const priceSchema = z.looseObject({});

const timeoutsSchema = z.strictObject({
  connect_ms: z.number().int().positive().default(10_000),
  // Reasoning models can think for minutes before the first header of a non-streamed reply.
  headers_ms: z.number().int().positive().default(600_000),
  // Longest silence allowed between two body chunks (a long reasoning pause mid-stream).
  idle_body_ms: z.number().int().positive().default(300_000),
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
  /** Events buffered in memory before they spill to the disk spool. */
  memory_queue_events: z.number().int().positive().default(10_000),
  spool: z.strictObject({
    /** Default: `<data-dir>/spool`. */
    dir: z.string().optional(),
    max_bytes: z.number().int().positive().default(1024 * 1024 * 1024),
    fsync_interval_ms: z.number().int().positive().default(200),
    /** drop-newest counts and logs each dropped event; fail-calls answers 503 while the spool is full. */
    on_full: z.enum(SPOOL_FULL_POLICIES).default('drop-newest'),
  }).prefault({}),
});

export const configSchema = z.strictObject({
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'provider names use a-z, 0-9, _ and -'), providerSchema).default({}),
  models: z.record(z.string(), modelSchema).default({}),
  /** Per-model price overrides, USD per million tokens; validated by the pricing module. */
  pricing: z.record(z.string(), priceSchema).default({}),
  gateway: z.strictObject({
    max_request_bytes: z.number().int().positive().default(32 * 1024 * 1024),
    timeouts: timeoutsSchema.default({ connect_ms: 10_000, headers_ms: 600_000, idle_body_ms: 300_000 }),
  }).prefault({}),
  logging: z.strictObject({
    /** Bodies longer than this are stored truncated, with a flag. */
    max_stored_body_bytes: z.number().int().nonnegative().default(256 * 1024),
    /** Bodies are cleared after this many days; 0 keeps them. */
    body_ttl_days: z.number().int().nonnegative().default(30),
    /** In-memory event queue bound; events beyond it are dropped and counted. */
    queue_max_events: z.number().int().positive().default(50_000),
  }).prefault({}),
  kafka: kafkaSchema.prefault({}),
});

export type PeriscopeConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ProviderConfigInput = z.input<typeof providerSchema>;
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
export type KafkaConfig = z.infer<typeof kafkaSchema>;
