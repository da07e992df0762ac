/**
 * The narrow surface the typed queries need from ClickHouse. Both drivers run the same
 * SQL; every user value travels as a `{name:Type}` query parameter, never in SQL text.
 */
export type ParamValue = string | number | boolean | null | readonly string[];
export type QueryParams = Readonly<Record<string, ParamValue>>;
export type InsertSettings = Readonly<Record<string, string | number | boolean>>;

export interface Driver {
  readonly kind: 'chdb' | 'server';
  /** Runs a SELECT and returns its rows as decoded JSONEachRow objects. */
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement whose result is not needed (DDL, ALTER). */
  exec(sql: string, params?: QueryParams): Promise<void>;
  insertJSONEachRow(table: string, rows: readonly object[], settings?: InsertSettings): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
