import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { SummaryResponse } from '../../../api-types.ts';

/** KPI totals for the window and for the window just before it (same length). */
export const getSummary = (window: { from: number; to: number }, signal?: AbortSignal) =>
  apiGet<SummaryResponse>('/api/metrics/summary', window, signal);

export const summaryQueryOptions = (window: { from: number; to: number }) => queryOptions({
  queryKey: ['metrics-summary', window.from, window.to],
  queryFn: ({ signal }) => getSummary(window, signal),
  placeholderData: keepPreviousData,
});

export const useSummary = (window: { from: number; to: number }) => useQuery(summaryQueryOptions(window));
