import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { AlertRule } from './types.ts';

export const getAlert = (id: string, signal?: AbortSignal) => apiGet<AlertRule>(`/api/alerts/${encodeURIComponent(id)}`, undefined, signal);

export const alertQueryOptions = (id: string) => queryOptions({
  queryKey: ['alerts', id],
  queryFn: ({ signal }) => getAlert(id, signal),
  refetchInterval: 5000,
});

export const useAlert = (id: string) => useQuery(alertQueryOptions(id));
