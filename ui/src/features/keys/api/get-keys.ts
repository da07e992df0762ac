import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { GatewayKey } from '../../../api-types.ts';

/** The caller's keys (every project for an admin), newest first. */
export const getKeys = (signal?: AbortSignal) => apiGet<{ data: GatewayKey[] }>('/api/keys', undefined, signal);

export const keysQueryOptions = () => queryOptions({
  queryKey: ['keys'],
  queryFn: ({ signal }) => getKeys(signal),
  select: (r) => r.data,
});

export const useKeys = () => useQuery(keysQueryOptions());
