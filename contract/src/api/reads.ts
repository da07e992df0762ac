// What the HTTP API's reads answer (the log, the overview, sessions, users, agents): the store
// produces these shapes (@periscope/clickhouse re-exports them) and the UI renders them.
import type { RequestEvent } from '../events/request-event.ts';

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

export interface SessionDetail {
  session_id: string;
  session_name: string;
  /** Oldest first, at most SESSION_MAX_ROWS. */
  requests: RequestRow[];
  /** True when the session has more rows in the range than were returned. */
  truncated: boolean;
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

/**
 * A row of `GET /api/requests`: every field of the event except the bodies and the contract
 * version, with created_at as ISO-8601 UTC with milliseconds (e.g. "2026-11-25T13:50:53.123Z").
 */
export type RequestRow = Omit<RequestEvent, 'event_version' | 'created_at' | 'request_body' | 'response_body'> & { created_at: string };

/** `GET /api/requests/:id`: the row plus the stored bodies. */
export interface RequestDetail extends RequestRow {
  request_body: string;
  response_body: string;
}

/** Token and cost totals of one model inside a session: the caller prices what caching saved. */
export interface ModelUsage {
  provider: string;
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
}

export interface AgentSessionRow {
  session_id: string;
  project_id: string;
  agent: string;
  agent_version: string;
  user_id: string;
  /** Calls (turns, subagent calls included). */
  requests: number;
  errors: number;
  /** Upstream attempts beyond the first, over every call. */
  retries: number;
  /** Distinct subagent paths (calls with a session_path). */
  subagents: number;
  cost_usd: number;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  models: ModelUsage[];
}
