import { useMutation } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client.ts';
import type { ParamValues, SqlResult } from './types.ts';

export interface SqlRun {
  sql: string;
  params: ParamValues;
  /** Narrows to one project; all of the caller's otherwise. */
  project?: string;
}

const withProject = (path: string, project?: string) => (project ? `${path}?project=${encodeURIComponent(project)}` : path);

/** Runs the console's SQL: at most the configured number of rows, `truncated` when there were more. */
export const runSql = ({ sql, params, project }: SqlRun) => apiSend<SqlResult>('POST', withProject('/api/sql', project), { sql, params });

/** A mutation, not a query: results are not cached, each run asks again. */
export const useRunSql = () => useMutation({ mutationFn: runSql });

export { withProject };
