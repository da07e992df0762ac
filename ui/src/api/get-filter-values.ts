import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../lib/api-client.ts';
import type { FilterField } from '../api-types.ts';

/** Distinct values of one column in the window, for filter dropdowns. */
export const getFilterValues = (field: FilterField, window: { from: number; to: number }, signal?: AbortSignal) =>
  apiGet<{ data: string[] }>('/api/filters/values', { field, ...window }, signal);

export const filterValuesQueryOptions = (field: FilterField, window: { from: number; to: number }) => queryOptions({
  queryKey: ['filter-values', field, window.from, window.to],
  queryFn: ({ signal }) => getFilterValues(field, window, signal),
  staleTime: 60_000,
  select: (r) => r.data,
});

export const useFilterValues = (field: FilterField, window: { from: number; to: number }) => useQuery(filterValuesQueryOptions(field, window));
