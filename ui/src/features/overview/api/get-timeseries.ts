import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { GroupBy, Interval, Metric, TimeseriesResponse } from '../../../api-types.ts';

export interface TimeseriesParams {
  metric: Metric;
  groupBy: GroupBy;
  interval: Interval;
  from: number;
  to: number;
}

export const getTimeseries = (p: TimeseriesParams, signal?: AbortSignal) =>
  apiGet<TimeseriesResponse>('/api/metrics/timeseries', {
    metric: p.metric, interval: p.interval, group_by: p.groupBy, from: p.from, to: p.to,
  }, signal);

export const timeseriesQueryOptions = (p: TimeseriesParams) => queryOptions({
  queryKey: ['metrics-timeseries', p.metric, p.groupBy, p.interval, p.from, p.to],
  queryFn: ({ signal }) => getTimeseries(p, signal),
  placeholderData: keepPreviousData,
});

export const useTimeseries = (p: TimeseriesParams) => useQuery(timeseriesQueryOptions(p));
