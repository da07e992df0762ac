import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import { reportsQueryOptions } from './get-reports.ts';

export const deleteReport = (id: string) => apiSend<{ id: string; deleted: true }>('DELETE', `/api/reports/${encodeURIComponent(id)}`);

export function useDeleteReport() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteReport,
    onSuccess: () => qc.invalidateQueries({ queryKey: reportsQueryOptions().queryKey }),
  });
}
