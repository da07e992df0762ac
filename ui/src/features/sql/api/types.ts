/**
 * Shapes of `/api/sql` and `/api/reports` (control-plane/src/reports/): the result and view types
 * from clickhouse/, type-only (nothing of it is bundled).
 */
import type { ExportFormat, SqlColumn, SqlParam, SqlResult, SqlView, ReportTemplate as StoredTemplate } from '@periscope/contract/api';

export type { ExportFormat, SqlColumn, SqlResult };
export type DeclaredParam = SqlParam;
export type SqlViewSchema = Omit<SqlView, 'engineView'>;
export type ReportTemplate = StoredTemplate & { declared_params: DeclaredParam[] };
export type ParamValues = Record<string, string>;

/** The export buttons, in this order (the server's EXPORT_FORMATS keys). */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'tsv', 'jsonl', 'parquet'];

/** A saved report as `GET /api/reports` shows it (secrets of its channels masked). */
export interface SavedReport {
  id: string;
  project: string;
  name: string;
  description: string;
  sql: string;
  params: ParamValues;
  declared_params: DeclaredParam[];
  schedule: string;
  next_run_at: string | null;
  delivery: { channels: unknown[]; format: ExportFormat; attach: boolean };
  created_by: string;
  updated_at: string;
}
