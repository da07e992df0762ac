import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import { reportsQueryOptions } from './get-reports.ts';
import type { ParamValues, SavedReport } from './types.ts';

export interface ReportDraft {
  /** Absent: a new report. */
  id?: string;
  project: string;
  name: string;
  description: string;
  sql: string;
  params: ParamValues;
}

/** Creates a report, or replaces one (its schedule and delivery are kept unless sent). */
export const saveReport = ({ id, ...body }: ReportDraft, current?: SavedReport) =>
  id
    ? apiSend<SavedReport>('PUT', `/api/reports/${encodeURIComponent(id)}`, {
      ...body, ...(current?.schedule ? { schedule: current.schedule, delivery: current.delivery } : {}),
    })
    : apiSend<SavedReport>('POST', '/api/reports', body);

export function useSaveReport() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ draft, current }: { draft: ReportDraft; current?: SavedReport }) => saveReport(draft, current),
    onSuccess: () => qc.invalidateQueries({ queryKey: reportsQueryOptions().queryKey }),
  });
}
