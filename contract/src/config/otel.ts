/** The OpenTelemetry export section of the config. */
import { z } from 'zod';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;

/**
 * OpenTelemetry export of one GenAI span per call (see otel/). Off unless `endpoint` is set;
 * restart-only (the exporter thread starts with the process).
 */
export const otelSchema = z.strictObject({
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

