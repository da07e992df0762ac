import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../lib/api-client.ts';
import type { PropertyKey } from '../api-types.ts';

/** Property keys seen in the window, with their most common values (group-by and filters). */
export const getProperties = (window: { from: number; to: number }, signal?: AbortSignal) =>
  apiGet<{ data: PropertyKey[] }>('/api/properties', window, signal);

export const propertiesQueryOptions = (window: { from: number; to: number }) => queryOptions({
  queryKey: ['properties', window.from, window.to],
  queryFn: ({ signal }) => getProperties(window, signal),
  staleTime: 60_000,
  select: (r) => r.data,
});

export const useProperties = (window: { from: number; to: number }) => useQuery(propertiesQueryOptions(window));
