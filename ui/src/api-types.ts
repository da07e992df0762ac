/**
 * Shapes of the `/api` answers the UI reads, from the packages that own them: the event
 * contract and the analytics types in clickhouse/. Type-only imports: nothing of clickhouse/
 * is bundled.
 */
import type {
  AttemptRecord, CacheStatus, FilterField, GroupBy, IntervalName, MetricsSummary, PropertySummary, RequestDetail,
  RequestRow, SessionDetail, SessionSummary, Summary, Timeseries, TimeseriesMetric, TimeseriesPoint, UserSummary,
  Series,
} from '@periscope/clickhouse';

export type {
  AttemptRecord, CacheStatus, FilterField, GroupBy, RequestDetail, RequestRow, SessionDetail, SessionSummary, Summary, UserSummary, Series,
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
