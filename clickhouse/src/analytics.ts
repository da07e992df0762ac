import type { CacheStatus } from '@periscope/contract';
import type { RequestRow } from './request-rows.ts';

/** Filters every read accepts (`GET /api/requests` and the overview alike). */
export interface RequestFilter {
  /** Projects the caller may see; an empty list sees nothing. */
  projectIds: string[];
  model?: string;
  provider?: string;
  /** Exact HTTP status. */
  status?: number;
  /** Status class, e.g. 2 for 2xx, 4 for 4xx, 5 for 5xx (0 = no response sent). */
  statusClass?: number;
  user_id?: string;
  session_id?: string;
  cache_status?: CacheStatus;
  key_id?: string;
  /** Property key=value pairs; all must match. */
  properties?: Record<string, string>;
}

/** A bounded time range, epoch ms: from inclusive, to exclusive, at most MAX_RANGE_DAYS long. */
export interface TimeRange {
  from: number;
  to: number;
}

export const MAX_RANGE_DAYS = 400;

export type RangeQuery = RequestFilter & TimeRange;

export interface Summary {
  requests: number;
  cost_usd: number;
  /** Includes cached reads and cache writes (the proxy normalises every provider to that). */
  prompt_tokens: number;
  completion_tokens: number;
  /** prompt_tokens + completion_tokens. */
  total_tokens: number;
  /** Calls with status >= 400, status 0 (no response sent) or an error_type. */
  errors: number;
  /** errors / requests; 0 without requests. */
  error_rate: number;
  /** Null without requests. */
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  /** Over streamed calls only (the others have no TTFT); null without any. */
  ttft_p95_ms: number | null;
  /** Response-cache hits (cache_status = hit). */
  cache_hits: number;
  /** cache_hits / requests; 0 without requests. */
  cache_hit_rate: number;
  prompt_cache_read_tokens: number;
  /** prompt_cache_read_tokens / prompt_tokens; 0 without prompt tokens. */
  prompt_cache_hit_rate: number;
  cost_saved_usd: number;
}

export interface MetricsSummary {
  from: string;
  to: string;
  current: Summary;
  /** The window of the same length just before `from`. */
  previous: Summary;
}

export const TIMESERIES_METRICS = [
  'requests', 'cost', 'tokens', 'errors', 'error_rate', 'latency_p50', 'latency_p95', 'ttft_p95',
  'cache_hit_rate', 'prompt_cache_hit_rate', 'cost_saved',
] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Bucket widths by name; each divides a day, so buckets align to UTC midnight. */
export const INTERVALS = {
  '1m': MINUTE, '5m': 5 * MINUTE, '15m': 15 * MINUTE, '30m': 30 * MINUTE,
  '1h': HOUR, '3h': 3 * HOUR, '6h': 6 * HOUR, '12h': 12 * HOUR, '1d': 24 * HOUR,
} as const;
export type IntervalName = keyof typeof INTERVALS;

export const GROUP_BY_COLUMNS = ['none', 'model', 'provider', 'key_id', 'user_id', 'status_class'] as const;
/** A column, or `property:<name>` for a property's values. */
export type GroupBy = (typeof GROUP_BY_COLUMNS)[number] | `property:${string}`;

export interface TimeseriesQuery extends RangeQuery {
  metric: TimeseriesMetric;
  /** Default auto: the smallest interval giving at most 120 buckets. */
  interval?: IntervalName | 'auto';
  /** Default none. */
  group_by?: GroupBy;
}

export interface TimeseriesPoint {
  /** Bucket start, ISO-8601 UTC. */
  t: string;
  /** 0 for a count without rows; null for a rate or percentile without data. */
  v: number | null;
}

export interface Series {
  /** The group's value; "(none)" for an empty one, "other" for the groups past the top 10, "all" without grouping. */
  key: string;
  /** The metric over the whole range for this series. */
  total: number | null;
  points: TimeseriesPoint[];
}

export interface Timeseries {
  metric: TimeseriesMetric;
  interval_ms: number;
  from: string;
  to: string;
  series: Series[];
}

export interface SessionsQuery extends RangeQuery {
  /** 1..1000, default 50. */
  limit?: number;
  cursor?: string;
}

/** An agent run: the requests of one session id within the time range. */
export interface SessionSummary {
  session_id: string;
  project_id: string;
  session_name: string;
  user_id: string;
  requests: number;
  errors: number;
  cost_usd: number;
  total_tokens: number;
  /** First call's start, ISO-8601. */
  started_at: string;
  /** Last call's end (start + latency), ISO-8601. */
  ended_at: string;
  duration_ms: number;
}

export interface SessionPage {
  data: SessionSummary[];
  next_cursor: string | null;
}

export interface SessionQuery extends TimeRange {
  projectIds: string[];
  session_id: string;
}

export interface SessionDetail {
  session_id: string;
  session_name: string;
  /** Oldest first, at most SESSION_MAX_ROWS. */
  requests: RequestRow[];
  /** True when the session has more rows in the range than were returned. */
  truncated: boolean;
}

export const SESSION_MAX_ROWS = 1000;

export interface UsersQuery extends RangeQuery {
  /** 1..1000, default 100. */
  limit?: number;
}

export interface UserSummary {
  user_id: string;
  requests: number;
  errors: number;
  cost_usd: number;
  total_tokens: number;
  /** Newest call's start, ISO-8601. */
  last_seen: string;
}

export interface PropertySummary {
  key: string;
  /** Up to 20 values, most frequent first. */
  values: string[];
}

export const FILTER_FIELDS = ['model', 'provider', 'user_id', 'key_id'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export interface FilterValuesQuery extends RangeQuery {
  field: FilterField;
}
