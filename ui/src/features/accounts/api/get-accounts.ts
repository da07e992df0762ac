import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { Account } from '../../../api-types.ts';

export const getAccounts = (signal?: AbortSignal) => apiGet<{ data: Account[] }>('/api/accounts', undefined, signal);

export const accountsQueryOptions = () => queryOptions({
  queryKey: ['accounts'],
  queryFn: ({ signal }) => getAccounts(signal),
  select: (r) => r.data,
});

export const useAccounts = () => useQuery(accountsQueryOptions());
