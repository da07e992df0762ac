import { validateRequestEvent, type RequestEvent } from '../contract/index.ts';
import type { Driver, InsertSettings } from '../driver/driver.ts';
import { StoreError } from '../errors.ts';
import type { InsertOptions } from '../store.ts';
import { toDateTime64 } from './datetime.ts';

/**
 * Writes a batch of events. Each event is checked against the contract first: ClickHouse
 * would otherwise store an out-of-range count wrapped around instead of refusing it.
 */
export async function insertRequests(driver: Driver, events: RequestEvent[], opts: InsertOptions = {}): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event, i) => {
    const checked = validateRequestEvent(event);
    if (!checked.ok) throw new StoreError('invalid_event', `event ${i} (${String(event.request_id)}): ${checked.reason}`);
    return eventToRow(checked.event);
  });
  const settings: InsertSettings = opts.dedupToken === undefined ? {} : { insert_deduplication_token: opts.dedupToken };
  await driver.insertJSONEachRow('requests', rows, settings);
}

/** Names every column, so a producer's extra fields never reach the INSERT. */
export function eventToRow(e: RequestEvent): Record<string, unknown> {
  return {
    request_id: e.request_id,
    created_at: toDateTime64(e.created_at),
    project_id: e.project_id,
    key_id: e.key_id,
    provider: e.provider,
    model: e.model,
    model_served: e.model_served,
    endpoint: e.endpoint,
    status: e.status,
    error_type: e.error_type,
    error_message: e.error_message,
    streamed: e.streamed,
    latency_ms: e.latency_ms,
    ttft_ms: e.ttft_ms,
    prompt_tokens: e.prompt_tokens,
    completion_tokens: e.completion_tokens,
    cache_read_tokens: e.cache_read_tokens,
    cache_write_tokens: e.cache_write_tokens,
    reasoning_tokens: e.reasoning_tokens,
    cost_usd: e.cost_usd,
    cost_known: e.cost_known,
    cache_status: e.cache_status,
    attempts: e.attempts,
    user_id: e.user_id,
    session_id: e.session_id,
    session_path: e.session_path,
    session_name: e.session_name,
    properties: e.properties,
    request_body: e.request_body,
    response_body: e.response_body,
    request_truncated: e.request_truncated,
    response_truncated: e.response_truncated,
    user_agent: e.user_agent,
    upstream_request_id: e.upstream_request_id,
    attempt_log: JSON.stringify(e.attempt_log),
    fallback_model: e.fallback_model,
    cache_source_request_id: e.cache_source_request_id,
    cost_saved_usd: e.cost_saved_usd,
    prompt_cache_expected: e.prompt_cache_expected,
    prompt_cache_hit: e.prompt_cache_hit,
    prompt_cache_diverged_at: e.prompt_cache_diverged_at,
    prompt_cache_miss_reason: e.prompt_cache_miss_reason,
    event_version: e.v,
  };
}
