import { z } from 'zod';
import { alertsSchema, reportsSchema } from './control-plane.ts';
import {
  cacheSchema, cooldownSchema, DEFAULT_SESSION_HEADERS, DEFAULT_TRIGGERS, deploymentSchema, keyLimitsSchema, limitSchema, modelCacheSchema, modelSchema,
  priceSchema, providerSchema, retrySchema, timeoutsSchema, triggerSchema,
} from './gateway.ts';
import { otelSchema } from './otel.ts';
import { kafkaSchema, spoolSchema } from './pipeline.ts';
import { BACKGROUND_PRIORITIES } from './spool-policy.ts';

export * from './gateway.ts';
export * from './control-plane.ts';
export * from './pipeline.ts';
export * from './otel.ts';

/** The whole config file, composed from the sections above (one file per package that reads them). */
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
    /**
     * Keep the event loop polling this long after each request arrives rather than sleeping
     * between requests: lower latency at steady rates, for up to this much CPU per request
     * (docs/deployment.md, "One CPU per gateway"). 0: off.
     */
    idle_poll_ms: z.number().int().min(0).max(1_000).default(0),
    /**
     * Scavenge V8's young space when no call is in flight and it is mostly full, rather than in
     * the middle of a call (docs/deployment.md, "Scavenging between calls").
     */
    scavenge_between_calls: z.boolean().default(true),
    /**
     * How far V8 may grow the old space after a mark-compact before the next, in percent of what
     * was live (docs/deployment.md, "One CPU per gateway"). 0: V8's own choice (up to 300).
     */
    old_space_growth_percent: z.number().int().min(0).max(300).default(100),
  }).prefault({}),
  logging: z.strictObject({
    /** Bodies longer than this are stored truncated, with a flag. */
    max_stored_body_bytes: z.number().int().nonnegative().default(256 * 1024),
    /** Bodies are cleared after this many days; 0 keeps them. */
    body_ttl_days: z.number().int().nonnegative().default(30),
    /** No longer used: events go to the disk spool, not a memory queue (accepted so older files still load). */
    queue_max_events: z.number().int().positive().optional(),
    spool: spoolSchema.prefault({}),
    /** What the processes that move events yield to the calls (docs/deployment.md). */
    background_priority: z.enum(BACKGROUND_PRIORITIES).default('idle'),
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
