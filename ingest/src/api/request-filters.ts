import type { ListRequestsQuery } from '@periscope/clickhouse';
import { ApiError } from '../errors.ts';

type Query = Record<string, string | string[] | undefined>;

const one = (q: Query, name: string): string | undefined => {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
};

/** Accepts epoch milliseconds or an ISO-8601 timestamp. */
function time(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined || v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new ApiError('invalid_query', `${name} must be epoch milliseconds or an ISO-8601 time`);
  return n;
}

function int(q: Query, name: string, min: number, max: number): number | undefined {
  const v = one(q, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError('invalid_query', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

const CACHE_STATUSES = ['hit', 'miss', 'bypass'] as const;

/**
 * Query string of `GET /api/requests` → store query. Filters: from, to, model, provider,
 * status, status_class (2, 4, 5), user_id, session_id, cache_status, property.<key>=<value>
 * (repeatable, all must match), limit, cursor.
 */
export function parseRequestFilters(q: Query, projectIds: string[]): ListRequestsQuery {
  const cache = one(q, 'cache_status');
  if (cache !== undefined && !(CACHE_STATUSES as readonly string[]).includes(cache)) {
    throw new ApiError('invalid_query', 'cache_status must be hit, miss or bypass');
  }
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(q)) {
    if (!name.startsWith('property.') || value === undefined) continue;
    properties[name.slice('property.'.length).toLowerCase()] = Array.isArray(value) ? value[value.length - 1]! : value;
  }
  const filters: ListRequestsQuery = {
    projectIds,
    from: time(q, 'from'),
    to: time(q, 'to'),
    model: one(q, 'model') || undefined,
    provider: one(q, 'provider') || undefined,
    status: int(q, 'status', 0, 999),
    statusClass: int(q, 'status_class', 0, 9),
    user_id: one(q, 'user_id') || undefined,
    session_id: one(q, 'session_id') || undefined,
    cache_status: cache as ListRequestsQuery['cache_status'],
    properties: Object.keys(properties).length > 0 ? properties : undefined,
    limit: int(q, 'limit', 1, 1000),
    cursor: one(q, 'cursor') || undefined,
  };
  return filters;
}
