import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { AlertEvent } from './types.ts';

/** A rule's transitions and test sends, newest first, with each channel's delivery. */
export const getAlertHistory = (id: string, signal?: AbortSignal) =>
  apiGet<{ data: AlertEvent[]; next_before: string | null }>(`/api/alerts/${encodeURIComponent(id)}/history`, { limit: 200 }, signal);

export const alertHistoryQueryOptions = (id: string) => queryOptions({
  queryKey: ['alerts', id, 'history'],
  queryFn: ({ signal }) => getAlertHistory(id, signal),
  select: (r) => r.data,
  refetchInterval: 5000,
});

export const useAlertHistory = (id: string) => useQuery(alertHistoryQueryOptions(id));
