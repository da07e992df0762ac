import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import { sessionQueryOptions } from './get-session.ts';

export type Credentials = { email: string; password: string } | { token: string };

/** Trades an account's email and password, or the admin token, for an HttpOnly session cookie; neither is kept anywhere. */
export const createSession = (credentials: Credentials) => apiSend<unknown>('POST', '/api/session', credentials);

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createSession,
    // The session answer carries the role and projects the shell needs.
    onSuccess: () => qc.invalidateQueries({ queryKey: sessionQueryOptions().queryKey }),
  });
}
