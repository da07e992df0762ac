import type { AttemptRecord, CacheStatus } from '@periscope/contract';
import type { RequestDetail, RequestRow } from '../request-rows.ts';
import { isoOf } from './datetime.ts';

/** Every list column except created_at, which is read as epoch ms (see ROW_SELECT). */
const ROW_COLUMNS = [
  'request_id', 'project_id', 'key_id', 'provider', 'model', 'model_served', 'endpoint', 'status',
  'error_type', 'error_message', 'streamed', 'latency_ms', 'ttft_ms', 'prompt_tokens', 'completion_tokens',
  'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_usd', 'cost_known', 'cache_status',
  'attempts', 'user_id', 'session_id', 'session_path', 'session_name', 'properties', 'request_truncated',
  'response_truncated', 'user_agent', 'upstream_request_id', 'attempt_log', 'fallback_model',
  'cache_source_request_id', 'cost_saved_usd', 'prompt_cache_expected', 'prompt_cache_hit',
  'prompt_cache_diverged_at', 'prompt_cache_miss_reason',
] as const satisfies readonly Exclude<keyof RequestRow, 'created_at'>[];

/**
 * The select list of a list row. The alias differs from the column: a ClickHouse alias
 * named created_at would replace the column in WHERE and ORDER BY too.
 */
export const ROW_SELECT = `${ROW_COLUMNS.join(', ')}, toUnixTimestamp64Milli(created_at) AS created_at_ms`;
export const DETAIL_SELECT = `${ROW_SELECT}, request_body, response_body`;

type Numeric = number | string;

/** A row as JSONEachRow decodes it; numbers may come quoted depending on type and server settings. */
export type RawRequestRow = {
  [K in Exclude<keyof RequestRow, 'created_at'>]: RequestRow[K] extends number ? Numeric
    : RequestRow[K] extends number | null ? Numeric | null
    : K extends 'attempt_log' ? string
    : RequestRow[K];
} & { created_at_ms: Numeric };

export type RawRequestDetail = RawRequestRow & { request_body: string; response_body: string };

export function toRequestRow(raw: RawRequestRow): RequestRow {
  return {
    request_id: raw.request_id,
    created_at: isoOf(raw.created_at_ms),
    project_id: raw.project_id,
    key_id: raw.key_id,
    provider: raw.provider,
    model: raw.model,
    model_served: raw.model_served,
    endpoint: raw.endpoint,
    status: Number(raw.status),
    error_type: raw.error_type,
    error_message: raw.error_message,
    streamed: raw.streamed,
    latency_ms: Number(raw.latency_ms),
    ttft_ms: raw.ttft_ms === null ? null : Number(raw.ttft_ms),
    prompt_tokens: Number(raw.prompt_tokens),
    completion_tokens: Number(raw.completion_tokens),
    cache_read_tokens: Number(raw.cache_read_tokens),
    cache_write_tokens: Number(raw.cache_write_tokens),
    reasoning_tokens: Number(raw.reasoning_tokens),
    cost_usd: Number(raw.cost_usd),
    cost_known: raw.cost_known,
    cache_status: raw.cache_status as CacheStatus,
    attempts: Number(raw.attempts),
    user_id: raw.user_id,
    session_id: raw.session_id,
    session_path: raw.session_path,
    session_name: raw.session_name,
    properties: raw.properties,
    request_truncated: raw.request_truncated,
    response_truncated: raw.response_truncated,
    user_agent: raw.user_agent,
    upstream_request_id: raw.upstream_request_id,
    attempt_log: parseAttemptLog(raw.attempt_log),
    fallback_model: raw.fallback_model,
    cache_source_request_id: raw.cache_source_request_id,
    cost_saved_usd: Number(raw.cost_saved_usd),
    prompt_cache_expected: raw.prompt_cache_expected,
    prompt_cache_hit: raw.prompt_cache_hit,
    prompt_cache_diverged_at: Number(raw.prompt_cache_diverged_at),
    prompt_cache_miss_reason: raw.prompt_cache_miss_reason,
  };
}

/** Rows written before the column existed read as ''. */
function parseAttemptLog(text: string): AttemptRecord[] {
  return text ? (JSON.parse(text) as AttemptRecord[]) : [];
}

export function toRequestDetail(raw: RawRequestDetail): RequestDetail {
  return { ...toRequestRow(raw), request_body: raw.request_body, response_body: raw.response_body };
}
