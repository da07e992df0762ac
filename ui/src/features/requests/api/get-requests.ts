import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { Page, RequestRow } from '../../../api-types.ts';

export const PAGE_SIZE = 100;

/** One page of the log; `params` are the URL filters with the resolved time window. */
export function getRequests(params: URLSearchParams, cursor: string | undefined, signal?: AbortSignal): Promise<Page<RequestRow>> {
  const p = new URLSearchParams(params);
  p.set('limit', String(PAGE_SIZE));
  if (cursor) p.set('cursor', cursor);
  return apiGet<Page<RequestRow>>('/api/requests', p, signal);
}

export const requestsQueryOptions = (params: URLSearchParams) => infiniteQueryOptions({
  queryKey: ['requests', params.toString()],
  queryFn: ({ pageParam, signal }) => getRequests(params, pageParam, signal),
  initialPageParam: undefined as string | undefined,
  getNextPageParam: (last) => last.next_cursor ?? undefined,
  placeholderData: keepPreviousData,
});

export const useRequests = (params: URLSearchParams) => useInfiniteQuery(requestsQueryOptions(params));
