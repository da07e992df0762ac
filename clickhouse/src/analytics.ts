import type { CacheStatus } from '@periscope/contract';
export type { Summary, MetricsSummary, TimeseriesMetric, IntervalName, GroupBy, TimeseriesPoint, Series, Timeseries, SessionSummary, SessionDetail, UserSummary, PropertySummary, FilterField } from '@periscope/contract/api';
export { TIMESERIES_METRICS, INTERVALS, GROUP_BY_COLUMNS, FILTER_FIELDS } from '@periscope/contract/api';
import type { TimeseriesMetric, IntervalName, GroupBy, SessionSummary, FilterField } from '@periscope/contract/api';

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


export interface TimeseriesQuery extends RangeQuery {
  metric: TimeseriesMetric;
  /** Default auto: the smallest interval giving at most 120 buckets. */
  interval?: IntervalName | 'auto';
  /** Default none. */
  group_by?: GroupBy;
}

export interface SessionsQuery extends RangeQuery {
  /** 1..1000, default 50. */
  limit?: number;
  cursor?: string;
}

export interface SessionPage {
  data: SessionSummary[];
  next_cursor: string | null;
}

export interface SessionQuery extends TimeRange {
  projectIds: string[];
  session_id: string;
}

export const SESSION_MAX_ROWS = 1000;

export interface UsersQuery extends RangeQuery {
  /** 1..1000, default 100. */
  limit?: number;
}

export interface FilterValuesQuery extends RangeQuery {
  field: FilterField;
}
