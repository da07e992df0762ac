import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import { keysQueryOptions } from './get-keys.ts';

/** Every gateway sees the revocation within a second. */
export const revokeKey = (keyId: string) => apiSend<{ key_id: string; revoked: true }>('DELETE', `/api/keys/${encodeURIComponent(keyId)}`);

export function useRevokeKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: revokeKey,
    onSuccess: () => qc.invalidateQueries({ queryKey: keysQueryOptions().queryKey }),
  });
}
