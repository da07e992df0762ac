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
export type StreamFormat = 'CSV' | 'TSV' | 'JSONEachRow' | 'JSONCompactEachRow' | 'Parquet';

export interface Driver {
  readonly kind: 'chdb' | 'server';
  /** Runs a SELECT and returns its rows as decoded JSONEachRow objects. */
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement whose result is not needed (DDL, ALTER). */
  exec(sql: string, params?: QueryParams): Promise<void>;
  /** Runs a read with per-query settings and returns its whole output in `format` (EXPLAIN, bounded results). */
  queryText(sql: string, params: QueryParams, format: string, settings?: QuerySettings): Promise<string>;
  /**
   * The output of a read in `format`, chunk by chunk as the engine produces it; the chunks
   * together are one well-formed file (one Parquet footer). Breaking out of the loop cancels
   * the query.
   */
  stream(sql: string, params: QueryParams, format: StreamFormat, settings?: QuerySettings): AsyncIterable<Uint8Array>;
  insertJSONEachRow(table: string, rows: readonly object[], settings?: InsertSettings): Promise<void>;
  /** Inserts JSONEachRow lines that are already encoded (one object per line), without decoding them. */
  insertJSONEachRowBytes(table: string, lines: Buffer, settings?: InsertSettings): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
