/**
 * Shapes of the `/api` answers the UI reads, from the packages that own them: the event
 * contract and the analytics types in clickhouse/. Type-only imports: nothing of clickhouse/
 * is bundled.
 */
import type { AccountRecord, AccountRole, GatewayKeyRecord, FilterField, GroupBy, IntervalName, MetricsSummary, PropertySummary, RequestDetail, RequestRow, SessionDetail, SessionSummary, Summary, Timeseries, TimeseriesMetric, TimeseriesPoint, UserSummary, AgentSessionRow, Series } from '@periscope/contract/api';
import type { KeyLimits, AttemptRecord, CacheStatus } from '@periscope/contract';

export type {
  KeyLimits, AttemptRecord, CacheStatus, FilterField, GroupBy, RequestDetail, RequestRow, SessionDetail, SessionSummary, Summary, UserSummary, Series, AgentSessionRow,
};
export type SummaryResponse = MetricsSummary;
export type TimeseriesResponse = Timeseries;
export type SeriesPoint = TimeseriesPoint;
export type Metric = TimeseriesMetric;
export type Interval = IntervalName | 'auto';
export type PropertyKey = PropertySummary;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export type Role = AccountRole;

/** Who is signed in (`GET /api/session`); `projects` is null for admins (every project). */
export interface Me {
  role: Role;
  /** null when signed in with the admin token. */
  email: string | null;
  account_id: string | null;
  projects: string[] | null;
}

/** A gateway key as `GET /api/keys` shows it: never the key, never its hash; last use to the minute. */
export type GatewayKey = Omit<GatewayKeyRecord, 'key_hash'> & { last_used_at: number | null };

/** An account as `GET /api/accounts` shows it: never the password hash. */
export type Account = Omit<AccountRecord, 'password_hash'>;
