import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import type { Delivery } from './types.ts';

/** Sends a test notification on every channel of the saved rule. */
export const testAlert = (id: string) => apiSend<{ id: string; deliveries: Delivery[] }>('POST', `/api/alerts/${encodeURIComponent(id)}/test`);

export function useTestAlert(id: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: () => testAlert(id), onSuccess: () => qc.invalidateQueries({ queryKey: ['alerts', id, 'history'] }) });
}
