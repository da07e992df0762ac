import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { RequestDetail } from '../../../api-types.ts';

/** One logged call with its stored bodies. Rows never change once written. */
export const getRequest = (id: string, signal?: AbortSignal) =>
  apiGet<RequestDetail>(`/api/requests/${encodeURIComponent(id)}`, undefined, signal);

export const requestQueryOptions = (id: string) => queryOptions({
  queryKey: ['request', id],
  queryFn: ({ signal }) => getRequest(id, signal),
  staleTime: Infinity,
});

export const useRequest = (id: string) => useQuery(requestQueryOptions(id));
