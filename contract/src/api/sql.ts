// What the SQL console's API answers: results, the views users query, parameters, templates.

export interface SqlColumn {
  name: string;
  type: string;
}

/** `POST /api/sql`: column names and types, and the rows as objects, cut at `maxResultRows`. */
export interface SqlResult {
  meta: SqlColumn[];
  data: Record<string, unknown>[];
  rows: number;
  /** More rows were available than `maxResultRows`. */
  truncated: boolean;
  /** Wall time of the checks and the query. */
  statistics: { elapsed_ms: number };
}

/** A column of a view users query, for the schema browser, completion and GET /api/sql/schema. */
export interface SqlViewColumn {
  name: string;
  type: string;
  description: string;
}

export interface SqlView {
  /** The name users write. */
  name: string;
  /** The parameterized view it runs as (migration 007); never accepted from users. */
  engineView: string;
  description: string;
  columns: SqlViewColumn[];
}

/** A named parameter the statement uses, `{from:DateTime}` → { name: 'from', type: 'DateTime' }. */
export interface SqlParam {
  name: string;
  type: string;
}

/** A built-in report users can start from: SQL over the report views with `{from:DateTime}` / `{to:DateTime}`. */
export interface ReportTemplate {
  id: string;
  name: string;
  description: string;
  sql: string;
}

/** The export formats of `POST /api/sql/export` and saved reports. */
export const EXPORT_FORMAT_NAMES = ['csv', 'tsv', 'jsonl', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMAT_NAMES)[number];
