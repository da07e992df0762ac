import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import { sessionQueryOptions } from './get-session.ts';

export const deleteSession = () => apiSend<unknown>('DELETE', '/api/session');

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteSession,
    onSettled: () => {
      const key = sessionQueryOptions().queryKey;
      qc.setQueryData(key, { authenticated: false });
      // Nothing cached from the signed-in session may outlive it.
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== key[0] });
    },
  });
}
