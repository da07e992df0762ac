export type { SqlViewColumn, SqlView } from '@periscope/contract/api';
import type { SqlViewColumn, SqlView } from '@periscope/contract/api';

const col = (name: string, type: string, description: string): SqlViewColumn => ({ name, type, description });

const ROLLUP_COLUMNS: SqlViewColumn[] = [
  col('project_id', 'String', 'Project'),
  col('bucket', "DateTime('UTC')", 'Start of the minute or hour'),
  col('model', 'LowCardinality(String)', 'Model the client asked for'),
  col('provider', 'LowCardinality(String)', 'Provider that served the call'),
  col('key_id', 'String', 'Gateway key'),
  col('status', 'UInt16', 'HTTP status sent to the client'),
  col('cache_status', 'LowCardinality(String)', 'hit, miss or bypass'),
  col('requests', 'SimpleAggregateFunction(sum, UInt64)', 'Calls: use sum(requests)'),
  col('errors', 'SimpleAggregateFunction(sum, UInt64)', 'Failed calls: use sum(errors)'),
  col('cost_usd', 'SimpleAggregateFunction(sum, Float64)', 'Cost: use sum(cost_usd)'),
  col('prompt_tokens', 'SimpleAggregateFunction(sum, UInt64)', 'Input tokens: use sum()'),
  col('completion_tokens', 'SimpleAggregateFunction(sum, UInt64)', 'Output tokens: use sum()'),
  col('cache_read_tokens', 'SimpleAggregateFunction(sum, UInt64)', 'Prompt-cache reads: use sum()'),
  col('cost_saved_usd', 'SimpleAggregateFunction(sum, Float64)', 'Saved by the response cache: use sum()'),
  col('latency_digest', 'AggregateFunction(quantilesTDigest(0.5, 0.95), UInt32)', 'quantilesTDigestMerge(0.5, 0.95)(latency_digest) → [p50, p95] ms'),
  col('ttft_digest', 'AggregateFunction(quantilesTDigest(0.5, 0.95), Nullable(UInt32))', 'quantilesTDigestMerge(0.5, 0.95)(ttft_digest) → [p50, p95] ms'),
];

/** The views a report may read: these names and nothing else. */
export const SQL_VIEWS: readonly SqlView[] = [
  {
    name: 'requests',
    engineView: 'periscope_sql_requests',
    description: 'One row per logged call, the columns of GET /api/requests (no bodies).',
    columns: [
      col('request_id', 'String', 'Periscope request id'),
      col('created_at', "DateTime64(3, 'UTC')", 'When the call started (UTC, ms)'),
      col('project_id', 'String', 'Project of the gateway key'),
      col('key_id', 'String', 'Gateway key'),
      col('provider', 'LowCardinality(String)', 'Provider that served the call'),
      col('model', 'LowCardinality(String)', 'Model the client asked for'),
      col('model_served', 'LowCardinality(String)', 'Model the provider reported'),
      col('endpoint', 'LowCardinality(String)', 'chat.completions, messages, embeddings, ...'),
      col('status', 'UInt16', 'HTTP status sent to the client (0: none sent)'),
      col('error_type', 'LowCardinality(String)', "Error class, '' on success"),
      col('error_message', 'String', 'Error text (secrets scrubbed)'),
      col('streamed', 'Bool', 'Server-sent events response'),
      col('latency_ms', 'UInt32', 'Total duration'),
      col('ttft_ms', 'Nullable(UInt32)', 'Time to first token (streams)'),
      col('prompt_tokens', 'UInt32', 'Input tokens, cached reads and writes included'),
      col('completion_tokens', 'UInt32', 'Output tokens'),
      col('cache_read_tokens', 'UInt32', 'Input tokens read from the provider prompt cache'),
      col('cache_write_tokens', 'UInt32', 'Input tokens written to the provider prompt cache'),
      col('reasoning_tokens', 'UInt32', 'Reasoning tokens (part of completion_tokens)'),
      col('cost_usd', 'Float64', 'Cost in USD'),
      col('cost_known', 'Bool', 'False when the model has no price'),
      col('cache_status', 'LowCardinality(String)', 'Response cache: hit, miss or bypass'),
      col('attempts', 'UInt16', 'Upstream attempts (retries and fallbacks)'),
      col('user_id', 'String', 'Periscope-User-Id'),
      col('session_id', 'String', 'Periscope-Session-Id'),
      col('session_path', 'String', 'Periscope-Session-Path'),
      col('session_name', 'String', 'Periscope-Session-Name'),
      col('properties', 'Map(LowCardinality(String), String)', "Periscope-Property-* headers: properties['team']"),
      col('request_truncated', 'Bool', 'The stored request body was truncated'),
      col('response_truncated', 'Bool', 'The stored response body was truncated'),
      col('user_agent', 'String', 'Client user agent'),
      col('upstream_request_id', 'String', "The provider's request id"),
      col('attempt_log', 'String', 'JSON array of the attempts'),
      col('fallback_model', 'LowCardinality(String)', "Model of the fallback that served, ''"),
      col('cache_source_request_id', 'String', 'For a cache hit: the call it replays'),
      col('cost_saved_usd', 'Float64', 'Cost avoided by the response cache'),
      col('prompt_cache_expected', 'Bool', 'A provider prompt-cache read was expected'),
      col('prompt_cache_hit', 'Bool', 'The provider read from its prompt cache'),
      col('prompt_cache_diverged_at', 'Int32', 'Message index where the prompt changed (-1: n/a)'),
      col('prompt_cache_miss_reason', 'String', 'Why an expected prompt-cache read did not happen'),
    ],
  },
  {
    name: 'requests_1m',
    engineView: 'periscope_sql_requests_1m',
    description: 'Per-minute rollup of requests (partial aggregates: sum the counters).',
    columns: ROLLUP_COLUMNS,
  },
  {
    name: 'requests_1h',
    engineView: 'periscope_sql_requests_1h',
    description: 'Per-hour rollup of requests (partial aggregates: sum the counters).',
    columns: ROLLUP_COLUMNS,
  },
];

/** The query parameter the sandbox binds to the caller's projects; users may not set or name it. */
export const PROJECTS_PARAM = 'periscope_projects';
/** The query parameter the sandbox binds to the number of rows a result may have. */
export const ROW_CAP_PARAM = 'periscope_row_cap';
/** Names users may not write: the engine views, the sandbox's parameters and databases all start with it. */
export const RESERVED_PREFIX = 'periscope_';

export function viewNamed(name: string): SqlView | undefined {
  return SQL_VIEWS.find((v) => v.name === name);
}
