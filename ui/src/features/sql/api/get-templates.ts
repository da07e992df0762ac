import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { ReportTemplate } from './types.ts';

export const getTemplates = (signal?: AbortSignal) => apiGet<{ data: ReportTemplate[] }>('/api/reports/templates', undefined, signal);

export const templatesQueryOptions = () => queryOptions({
  queryKey: ['sql', 'templates'],
  queryFn: ({ signal }) => getTemplates(signal),
  select: (r) => r.data,
  staleTime: Infinity,
});

export const useTemplates = () => useQuery(templatesQueryOptions());
