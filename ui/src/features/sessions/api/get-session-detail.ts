import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { SessionDetail } from '../../../api-types.ts';

/** Every call of one agent session within the window, oldest first (reads are time-bounded). */
export const getSessionDetail = (id: string, window: { from: number; to: number }, signal?: AbortSignal) =>
  apiGet<SessionDetail>(`/api/sessions/${encodeURIComponent(id)}`, window, signal);

export const sessionDetailQueryOptions = (id: string, window: { from: number; to: number }) => queryOptions({
  queryKey: ['session-detail', id, window.from, window.to],
  queryFn: ({ signal }) => getSessionDetail(id, window, signal),
  placeholderData: keepPreviousData,
});

export const useSessionDetail = (id: string, window: { from: number; to: number }) => useQuery(sessionDetailQueryOptions(id, window));
