import { QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, isUnauthorized } from '../lib/api-client.ts';
import { sessionQueryOptions } from '../features/auth/api/get-session.ts';

/** One client: no retries on 4xx, and any 401 (session expired, signed out elsewhere) shows sign-in. */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isUnauthorized(error) && query.queryKey[0] !== sessionQueryOptions().queryKey[0]) {
          client.setQueryData(sessionQueryOptions().queryKey, { authenticated: false });
        }
      },
    }),
    defaultOptions: {
      queries: {
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
        staleTime: 15_000,
      },
    },
  });
  return client;
}
