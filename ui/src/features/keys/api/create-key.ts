import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import type { GatewayKey, KeyLimits } from '../../../api-types.ts';
import { keysQueryOptions } from './get-keys.ts';

export interface NewKey {
  project: string;
  name: string;
  /** Epoch ms; null = never expires. */
  expires_at: number | null;
  allowed_models: string[];
  limits: KeyLimits;
}

/** The created key, with the full `key`: the only time it is ever shown. */
export type CreatedKey = Omit<GatewayKey, 'last_used_at'> & { key: string };

export const createKey = (body: NewKey) => apiSend<CreatedKey>('POST', '/api/keys', body);

export function useCreateKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createKey,
    onSuccess: () => qc.invalidateQueries({ queryKey: keysQueryOptions().queryKey }),
  });
}
