import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';

export const deleteAlert = (id: string) => apiSend<{ id: string; deleted: true }>('DELETE', `/api/alerts/${encodeURIComponent(id)}`);

export function useDeleteAlert() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: deleteAlert, onSuccess: () => qc.invalidateQueries({ queryKey: ['alerts'] }) });
}
