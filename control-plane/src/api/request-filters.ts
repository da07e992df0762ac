import { MAX_RANGE_DAYS, REQUEST_SORTS, type ListRequestsQuery, type RangeQuery, type RequestFilter } from '@periscope/clickhouse';
import { type CacheStatus } from '@periscope/contract';
import { ApiError } from '../errors.ts';
import { int, one, oneOf, time, type Query } from './query-params.ts';

const DAY_MS = 86_400_000;
const CACHE_STATUSES: readonly CacheStatus[] = ['hit', 'miss', 'bypass'];

/**
 * The filters every read accepts: model, provider, status, status_class (2, 4, 5; 0 = no
 * response sent), user_id, session_id, cache_status, key_id, property.<key>=<value>
 * (repeatable, all must match; keys are lowercase as the proxy stores them).
 */
export function parseRequestFilter(q: Query, projectIds: string[]): RequestFilter {
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(q)) {
    if (!name.startsWith('property.') || value === undefined) continue;
    properties[name.slice('property.'.length).toLowerCase()] = Array.isArray(value) ? value[value.length - 1]! : value;
  }
  return {
    projectIds,
    model: one(q, 'model'),
    provider: one(q, 'provider'),
    status: int(q, 'status', 0, 999),
    statusClass: int(q, 'status_class', 0, 9),
    user_id: one(q, 'user_id'),
    session_id: one(q, 'session_id'),
    cache_status: oneOf(q, 'cache_status', CACHE_STATUSES),
    key_id: one(q, 'key_id'),
    properties: Object.keys(properties).length > 0 ? properties : undefined,
  };
}

/**
 * from and to, each epoch ms or ISO-8601: to defaults to now and from to 24 hours before to.
 * Every read is bounded so that no query scans all of history by accident.
 */
export function parseTimeRange(q: Query, now = Date.now()): { from: number; to: number } {
  const to = time(q, 'to') ?? now;
  const from = time(q, 'from') ?? to - DAY_MS;
  if (from >= to) throw new ApiError('invalid_query', 'from must be before to');
  if (to - from > MAX_RANGE_DAYS * DAY_MS) throw new ApiError('invalid_query', `the time range must not exceed ${MAX_RANGE_DAYS} days`);
  return { from, to };
}

export function parseRangeQuery(q: Query, projectIds: string[]): RangeQuery {
  return { ...parseRequestFilter(q, projectIds), ...parseTimeRange(q) };
}

/**
 * `GET /api/requests`: the shared filters and range, plus q (body text), min_latency_ms,
 * max_latency_ms, sort, order, limit and cursor.
 */
export function parseListRequestsQuery(q: Query, projectIds: string[]): ListRequestsQuery {
  return {
    ...parseRangeQuery(q, projectIds),
    q: one(q, 'q'),
    min_latency_ms: int(q, 'min_latency_ms', 0, 4_294_967_295),
    max_latency_ms: int(q, 'max_latency_ms', 0, 4_294_967_295),
    sort: oneOf(q, 'sort', REQUEST_SORTS),
    order: oneOf(q, 'order', ['asc', 'desc'] as const),
    limit: int(q, 'limit', 1, 1000),
    cursor: one(q, 'cursor'),
  };
}
