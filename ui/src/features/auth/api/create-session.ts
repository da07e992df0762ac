import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import { sessionQueryOptions } from './get-session.ts';

/** Trades the admin token for an HttpOnly session cookie; the token is not kept anywhere. */
export const createSession = (token: string) => apiSend<unknown>('POST', '/api/session', { token });

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createSession,
    onSuccess: () => {
      qc.setQueryData(sessionQueryOptions().queryKey, { authenticated: true });
    },
  });
}
