import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import type { AlertPreview, AlertRuleInput } from './types.ts';

/**
 * The rule's value per group right now, computed as the evaluator does (nothing is saved).
 * Channels play no part in it, and a saved rule's come back masked: they are left out.
 */
export const previewAlert = ({ channels: _channels, version: _version, ...input }: AlertRuleInput) =>
  apiSend<AlertPreview>('POST', '/api/alerts/preview', { ...input, channels: [] });

export const alertPreviewQueryOptions = (input: AlertRuleInput | null) => queryOptions({
  queryKey: ['alerts', 'preview', input && { ...input, channels: [], version: undefined }],
  queryFn: () => previewAlert(input!),
  enabled: input !== null,
  placeholderData: keepPreviousData,
  retry: false,
  // Live: the values move with traffic while the editor is open.
  staleTime: 0,
  refetchInterval: 10_000,
});

export const useAlertPreview = (input: AlertRuleInput | null) => useQuery(alertPreviewQueryOptions(input));
