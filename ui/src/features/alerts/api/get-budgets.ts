import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { BudgetInfo } from './types.ts';

/** The budgets of the config's `limits:`, which a budget rule names. */
export const getBudgets = (signal?: AbortSignal) => apiGet<{ data: BudgetInfo[] }>('/api/alerts/budgets', undefined, signal);

export const budgetsQueryOptions = () => queryOptions({
  queryKey: ['alerts', 'budgets'],
  queryFn: ({ signal }) => getBudgets(signal),
  select: (r) => r.data,
  staleTime: 60_000,
});

export const useBudgets = (enabled: boolean) => useQuery({ ...budgetsQueryOptions(), enabled });
