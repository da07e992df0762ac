import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet, isUnauthorized } from '../../../lib/api-client.ts';

export interface SessionState {
  authenticated: boolean;
}

/** 200 → signed in, 401 → the sign-in screen; anything else is an error to show. */
export async function getSession(signal?: AbortSignal): Promise<SessionState> {
  try {
    const body = await apiGet<{ authenticated?: boolean } | undefined>('/api/session', undefined, signal);
    return { authenticated: body?.authenticated !== false };
  } catch (e) {
    if (isUnauthorized(e)) return { authenticated: false };
    throw e;
  }
}

export const sessionQueryOptions = () => queryOptions({
  queryKey: ['auth-session'],
  queryFn: ({ signal }) => getSession(signal),
  staleTime: Infinity,
  retry: 1,
});

export const useAuthSession = () => useQuery(sessionQueryOptions());
