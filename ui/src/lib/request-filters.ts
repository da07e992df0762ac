import { parseTimeRange, writeTimeRange, type TimeRange } from './time-range.ts';

/**
 * Filters of the request log. They live in the URL query string under the API's own
 * parameter names, so a link is shareable, the back button works, and the API call is the
 * URL's filters plus the resolved time window.
 */
export const SIMPLE_FILTERS = [
  'model', 'provider', 'status', 'status_class', 'user_id', 'session_id', 'cache_status', 'key_id',
  'q', 'min_latency_ms', 'max_latency_ms',
] as const;
export type SimpleFilter = (typeof SIMPLE_FILTERS)[number];

/** The sorts `GET /api/requests` supports (clickhouse REQUEST_SORTS). */
export const SORT_FIELDS = ['created_at', 'status', 'latency_ms', 'ttft_ms', 'total_tokens', 'cost_usd'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export type SortOrder = 'asc' | 'desc';

export interface RequestFilters {
  range: TimeRange;
  values: Partial<Record<SimpleFilter, string>>;
  /** property key → value; all must match. */
  properties: [string, string][];
  sort: SortField;
  order: SortOrder;
}

export const PROPERTY_PREFIX = 'property.';

export const emptyFilters = (range: TimeRange = { preset: '24h' }): RequestFilters => ({
  range, values: {}, properties: [], sort: 'created_at', order: 'desc',
});

export function parseRequestFilters(params: URLSearchParams): RequestFilters {
  const values: RequestFilters['values'] = {};
  for (const name of SIMPLE_FILTERS) {
    const v = params.get(name);
    if (v !== null && v !== '') values[name] = v;
  }
  const properties: [string, string][] = [];
  for (const [k, v] of params) if (k.startsWith(PROPERTY_PREFIX) && k.length > PROPERTY_PREFIX.length) properties.push([k.slice(PROPERTY_PREFIX.length), v]);
  const sort = params.get('sort');
  return {
    range: parseTimeRange(params),
    values,
    properties,
    sort: (SORT_FIELDS as readonly string[]).includes(sort ?? '') ? (sort as SortField) : 'created_at',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
  };
}

/** Writes the filters into `params`, replacing the ones there; other parameters stay. */
export function writeRequestFilters(params: URLSearchParams, f: RequestFilters): URLSearchParams {
  for (const name of SIMPLE_FILTERS) params.delete(name);
  for (const k of [...params.keys()]) if (k.startsWith(PROPERTY_PREFIX)) params.delete(k);
  params.delete('sort');
  params.delete('order');
  writeTimeRange(params, f.range);
  for (const name of SIMPLE_FILTERS) {
    const v = f.values[name];
    if (v !== undefined && v !== '') params.set(name, v);
  }
  for (const [k, v] of f.properties) params.append(PROPERTY_PREFIX + k, v);
  if (f.sort !== 'created_at') params.set('sort', f.sort);
  if (f.order !== 'desc') params.set('order', f.order);
  return params;
}

/** The API query for these filters in the window [from, to). */
export function requestFiltersToApi(f: RequestFilters, window: { from: number; to: number }): URLSearchParams {
  const p = new URLSearchParams();
  p.set('from', String(window.from));
  p.set('to', String(window.to));
  for (const name of SIMPLE_FILTERS) {
    const v = f.values[name];
    if (v !== undefined && v !== '') p.set(name, v);
  }
  for (const [k, v] of f.properties) p.append(PROPERTY_PREFIX + k, v);
  p.set('sort', f.sort);
  p.set('order', f.order);
  return p;
}

/** A link to the request log with these filters (used by every page that drills down). */
export function requestsHref(f: Partial<RequestFilters> & { range?: TimeRange }, extra?: Record<string, string>): string {
  const params = writeRequestFilters(new URLSearchParams(), { ...emptyFilters(), ...f });
  for (const [k, v] of Object.entries(extra ?? {})) params.set(k, v);
  const qs = params.toString();
  return qs ? `/requests?${qs}` : '/requests';
}

export const countActiveFilters = (f: RequestFilters): number =>
  Object.values(f.values).filter((v) => v !== undefined && v !== '' ).length + f.properties.length;
