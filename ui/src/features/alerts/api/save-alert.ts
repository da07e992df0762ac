import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import type { AlertRule, AlertRuleInput } from './types.ts';

/** Creates a rule (no id) or writes its next version (PUT with the version read). */
export const saveAlert = ({ id, input }: { id?: string; input: AlertRuleInput }) =>
  id ? apiSend<AlertRule>('PUT', `/api/alerts/${encodeURIComponent(id)}`, input) : apiSend<AlertRule>('POST', '/api/alerts', input);

export function useSaveAlert() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: saveAlert, onSuccess: () => qc.invalidateQueries({ queryKey: ['alerts'] }) });
}
