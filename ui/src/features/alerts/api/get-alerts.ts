import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { AlertRule } from './types.ts';

/** Every rule the caller may read, with its current state; polled so a firing shows up by itself. */
export const getAlerts = (signal?: AbortSignal) => apiGet<{ data: AlertRule[] }>('/api/alerts', undefined, signal);

export const alertsQueryOptions = () => queryOptions({
  queryKey: ['alerts'],
  queryFn: ({ signal }) => getAlerts(signal),
  select: (r) => r.data,
  refetchInterval: 5000,
});

export const useAlerts = () => useQuery(alertsQueryOptions());
