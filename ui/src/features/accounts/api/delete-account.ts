import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import { accountsQueryOptions } from './get-accounts.ts';

/** The account's sessions end at once. */
export const deleteAccount = (id: string) => apiSend<{ account_id: string; deleted: true }>('DELETE', `/api/accounts/${encodeURIComponent(id)}`);

export function useDeleteAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteAccount,
    onSuccess: () => qc.invalidateQueries({ queryKey: accountsQueryOptions().queryKey }),
  });
}
