/**
 * The narrow surface the typed queries need from ClickHouse. Both drivers run the same
 * SQL; every user value travels as a `{name:Type}` query parameter, never in SQL text.
 */
export type ParamValue = string | number | boolean | null | readonly string[];
export type QueryParams = Readonly<Record<string, ParamValue>>;
export type InsertSettings = Readonly<Record<string, string | number | boolean>>;
/** Per-query engine settings (limits, output options); names and values come from the server, never from users. */
export type QuerySettings = Readonly<Record<string, string | number>>;
/** Output formats a result can be streamed in. */
export type StreamFormat = 'CSVWithNames' | 'TSVWithNames' | 'JSONEachRow' | 'Parquet';

/** How a read of users' SQL is bounded and stopped. */
export interface ReadOptions {
  /**
   * The projects the statement may read. The engine enforces it below every view, subquery
   * and join: on the embedded engine, row policies on the request tables of its read-only
   * connections; on a server, the report reader's row policies (clickhouse/sql/report-reader.sql).
   */
  projects?: readonly string[];
  /** Aborting stops the statement in the engine, not only the wait for it. */
  signal?: AbortSignal;
}

export interface StreamOptions extends ReadOptions {
  /** The output stops with a `sql_limit_exceeded` error past this many bytes. */
  maxBytes?: number;
  /** Where output is spooled to disk, it stops (`insufficient_storage`) before free space falls below this. */
  minFreeDiskBytes?: number;
}

export interface Driver {
  readonly kind: 'chdb' | 'server';
  /** The database unqualified names resolve in (`default` for the embedded engine). */
  readonly database: string;
  /** Runs a SELECT and returns its rows as decoded JSONEachRow objects. */
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement whose result is not needed (DDL, ALTER). */
  exec(sql: string, params?: QueryParams): Promise<void>;
  /**
   * Runs a read of users' SQL with `settings` and returns its whole output in `format`
   * (EXPLAIN, bounded results). The embedded engine runs it on a read-only connection of its
   * own opened with those settings, so it holds nothing the store's own queries wait on and
   * no statement can change them; a server gets them with the query.
   */
  queryText(sql: string, params: QueryParams, format: string, settings?: QuerySettings, options?: ReadOptions): Promise<string>;
  /**
   * The output of a read of users' SQL (as `queryText`) in `format`, chunk by chunk; the
   * chunks together are one well-formed file (one Parquet footer). Breaking out of the loop
   * or aborting `options.signal` stops the query.
   */
  stream(sql: string, params: QueryParams, format: StreamFormat, settings?: QuerySettings, options?: StreamOptions): AsyncIterable<Uint8Array>;
  insertJSONEachRow(table: string, rows: readonly object[], settings?: InsertSettings): Promise<void>;
  /**
   * Inserts rows that are already encoded JSON objects (one per buffer, no newline in them),
   * without decoding them: the event path. A refusal of their content is `rows_refused`
   * (insert-errors.ts).
   */
  insertJSONEachRowBytes(table: string, rows: readonly Buffer[], settings?: InsertSettings): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
