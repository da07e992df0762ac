import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../../lib/api-client.ts';
import type { SqlViewSchema } from './types.ts';

export const getSqlSchema = (signal?: AbortSignal) =>
  apiGet<{ views: SqlViewSchema[]; limits: { max_result_rows: number; export_max_rows: number } }>('/api/sql/schema', undefined, signal);

/** The views a query may read; they change only with a release. */
export const sqlSchemaQueryOptions = () => queryOptions({ queryKey: ['sql', 'schema'], queryFn: ({ signal }) => getSqlSchema(signal), staleTime: Infinity });

export const useSqlSchema = () => useQuery(sqlSchemaQueryOptions());
