import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import type { Account, Role } from '../../../api-types.ts';
import { accountsQueryOptions } from './get-accounts.ts';

export interface NewAccount {
  email: string;
  password: string;
  role: Role;
  projects: string[];
  name: string;
}

export const createAccount = (body: NewAccount) => apiSend<Account>('POST', '/api/accounts', body);

export function useCreateAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createAccount,
    onSuccess: () => qc.invalidateQueries({ queryKey: accountsQueryOptions().queryKey }),
  });
}
