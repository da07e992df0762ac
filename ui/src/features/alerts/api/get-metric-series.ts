import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { Metric, TimeseriesResponse } from '../../../api-types.ts';

export interface MetricSeriesParams {
  metric: Metric;
  from: number;
  to: number;
  /** The request-log filters (model, property.<key>, ...) as the API names them. */
  filter: Record<string, string>;
  groupBy: string | null;
  project: string | null;
}

/** `/api/metrics/timeseries` for a rule's preview: its metric, filters and grouping over its window. */
export const getMetricSeries = (p: MetricSeriesParams, signal?: AbortSignal) =>
  apiGet<TimeseriesResponse>('/api/metrics/timeseries', {
    metric: p.metric, from: p.from, to: p.to, interval: 'auto', group_by: p.groupBy ?? 'none', project: p.project, ...p.filter,
  }, signal);

export const metricSeriesQueryOptions = (p: MetricSeriesParams | null) => queryOptions({
  queryKey: ['alerts', 'metric-series', p],
  queryFn: ({ signal }) => getMetricSeries(p!, signal),
  enabled: p !== null,
  placeholderData: keepPreviousData,
  retry: false,
});

export const useMetricSeries = (p: MetricSeriesParams | null) => useQuery(metricSeriesQueryOptions(p));
