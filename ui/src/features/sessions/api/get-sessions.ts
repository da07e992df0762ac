import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { Page, SessionSummary } from '../../../api-types.ts';

export interface SessionsParams {
  from: number;
  to: number;
  user_id?: string;
}

export const getSessions = (p: SessionsParams, cursor: string | undefined, signal?: AbortSignal) =>
  apiGet<Page<SessionSummary>>('/api/sessions', { ...p, cursor, limit: 100 }, signal);

export const sessionsQueryOptions = (p: SessionsParams) => infiniteQueryOptions({
  queryKey: ['sessions', p.from, p.to, p.user_id ?? ''],
  queryFn: ({ pageParam, signal }) => getSessions(p, pageParam, signal),
  initialPageParam: undefined as string | undefined,
  getNextPageParam: (last) => last.next_cursor ?? undefined,
  placeholderData: keepPreviousData,
});

export const useSessions = (p: SessionsParams) => useInfiniteQuery(sessionsQueryOptions(p));
