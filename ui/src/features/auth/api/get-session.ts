import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet, isUnauthorized } from '../../../lib/api-client.ts';
import type { Me } from '../../../api-types.ts';

export type SessionState = { authenticated: false } | ({ authenticated: true } & Me);

/** 200 → signed in (as whom, with which role and projects), 401 → the sign-in screen; anything else is an error to show. */
export async function getSession(signal?: AbortSignal): Promise<SessionState> {
  try {
    const me = await apiGet<Me>('/api/session', undefined, signal);
    return { authenticated: true, role: me.role, email: me.email, account_id: me.account_id, projects: me.projects };
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
