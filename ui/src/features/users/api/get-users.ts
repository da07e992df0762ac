import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { UserSummary } from '../../../api-types.ts';

/** Per-user totals in the window, most expensive first. */
export const getUsers = (window: { from: number; to: number }, signal?: AbortSignal) =>
  apiGet<{ data: UserSummary[] }>('/api/users', window, signal);

export const usersQueryOptions = (window: { from: number; to: number }) => queryOptions({
  queryKey: ['users', window.from, window.to],
  queryFn: ({ signal }) => getUsers(window, signal),
  placeholderData: keepPreviousData,
  select: (r) => r.data,
});

export const useUsers = (window: { from: number; to: number }) => useQuery(usersQueryOptions(window));
