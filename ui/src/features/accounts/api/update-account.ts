import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import type { Account, Role } from '../../../api-types.ts';
import { accountsQueryOptions } from './get-accounts.ts';

/** Only the fields sent change; a new password signs the account out everywhere. */
export interface AccountChange {
  role?: Role;
  projects?: string[];
  name?: string;
  password?: string;
}

export const updateAccount = ({ id, change }: { id: string; change: AccountChange }) =>
  apiSend<Account>('PATCH', `/api/accounts/${encodeURIComponent(id)}`, change);

export function useUpdateAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateAccount,
    onSuccess: () => qc.invalidateQueries({ queryKey: accountsQueryOptions().queryKey }),
  });
}
