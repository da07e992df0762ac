import type { ParamValue } from './driver/driver.ts';
export type { ExportFormat, SqlColumn, SqlResult } from '@periscope/contract/api';
import type { ExportFormat } from '@periscope/contract/api';

/** A user's SQL over the report views, run for the projects of the caller's session. */
export interface SqlRequest {
  sql: string;
  /** Values of the statement's `{name:Type}` parameters. */
  params?: Readonly<Record<string, ParamValue>>;
  /** The projects the caller may see; the views show nothing else. An empty list sees nothing. */
  projectIds: string[];
  /** Aborted when the caller is gone (a client that disconnected): the query stops in the engine. */
  signal?: AbortSignal;
}

/** What one query may use; the engine enforces each (the engine enforces, the app double-checks: docs/sql-reports.md). */
export interface SqlLimits {
  maxExecutionSeconds: number;
  maxMemoryBytes: number;
  maxRowsToRead: number;
  /** Rows returned: the grid's cap, or an export's. */
  maxResultRows: number;
  /** Bytes an export may hold; past it the export stops with an error. */
  maxResultBytes?: number;
  /** An export is refused, or stopped, rather than leave less free disk space than this. */
  minFreeDiskBytes?: number;
}

export const EXPORT_FORMATS = {
  csv: { stream: 'CSVWithNames', contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  tsv: { stream: 'TSVWithNames', contentType: 'text/tab-separated-values; charset=utf-8', extension: 'tsv' },
  jsonl: { stream: 'JSONEachRow', contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl' },
  parquet: { stream: 'Parquet', contentType: 'application/vnd.apache.parquet', extension: 'parquet' },
} as const satisfies Record<ExportFormat, { stream: string; contentType: string; extension: string }>;

/** A saved report, shared within its project. */
export interface ReportRecord {
  report_id: string;
  project_id: string;
  name: string;
  description: string;
  sql: string;
  /** Default value of each named parameter. */
  params: Record<string, string>;
  /** Five-field cron expression in UTC; '' when not scheduled. */
  schedule: string;
  /** Where scheduled runs go: the ingest's JSON, opaque here. */
  delivery: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  deleted: boolean;
}

/** One scheduled run of a report. */
export interface ReportRunRecord {
  report_id: string;
  project_id: string;
  /** The minute the schedule named; one run per report and minute. */
  scheduled_for: number;
  started_at: number;
  finished_at: number;
  ok: boolean;
  rows: number;
  bytes: number;
  error: string;
  /** The ingest's JSON: how delivery went. */
  delivery: string;
}
