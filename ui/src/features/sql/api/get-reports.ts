import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { SavedReport } from './types.ts';

/** Saved reports of the caller's projects, by name. */
export const getReports = (signal?: AbortSignal) => apiGet<{ data: SavedReport[] }>('/api/reports', undefined, signal);

export const reportsQueryOptions = () => queryOptions({ queryKey: ['reports'], queryFn: ({ signal }) => getReports(signal), select: (r) => r.data });

export const useReports = () => useQuery(reportsQueryOptions());
