import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { messageOf, StoreError } from '../errors.ts';
import { wellFormedJson } from '@periscope/contract';
import { insertFailure } from './insert-errors.ts';
import type { Driver, InsertSettings, QueryParams, QuerySettings, ReadOptions, StreamFormat, StreamOptions } from './driver.ts';

const NEWLINE = Buffer.from('\n');

/** The custom setting the report reader's row policies read (clickhouse/sql/report-reader.sql); the server must allow the SQL_ prefix. */
const ROW_POLICY_SETTING = 'SQL_periscope_projects';

/**
 * A ClickHouse server over HTTP; the URL's path, when present, names the database.
 * `reportReader`: the URL's user is the report reader, whose row policies keep the rows of the
 * projects a read of users' SQL names (ReadOptions.projects).
 */
export async function openServerDriver(url: string, o: { reportReader?: boolean } = {}): Promise<Driver> {
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\/+|\/+$/g, '')) || 'default';
  // Loaded here, not at import: the embedded store and the gateway (which imports this package
  // for its error types) never need the HTTP client.
  const { ClickHouseError, ClickHouseLogLevel, createClient } = await import('@clickhouse/client');
  // Failures come back as StoreErrors for the caller to log; client logging would report each twice.
  const client = createClient({ url, application: 'periscope', log: { level: ClickHouseLogLevel.OFF } });
  return new ServerDriver(client, database, o.reportReader ?? false, (err) => err instanceof ClickHouseError);
}

class ServerDriver implements Driver {
  readonly kind = 'server';

  constructor(
    private readonly client: ClickHouseClient,
    readonly database: string,
    private readonly reportReader: boolean,
    /** Whether an error is the server's answer (its ClickHouseError), not a failure to reach it. */
    private readonly answered: (err: unknown) => boolean,
  ) {}

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    try {
      const result = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return await result.json<T>();
    } catch (err) {
      throw asStoreError(err, this.answered(err));
    }
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    try {
      await this.client.command({ query: sql, query_params: params });
    } catch (err) {
      throw asStoreError(err, this.answered(err));
    }
  }

  async queryText(sql: string, params: QueryParams, format: string, settings: QuerySettings = {}, options: ReadOptions = {}): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.stream(sql, params, format, settings, options)) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }

  async *stream(sql: string, params: QueryParams, format: StreamFormat | string, settings: QuerySettings = {}, options: StreamOptions = {}): AsyncGenerator<Uint8Array> {
    const abort = new AbortController();
    const stop = () => abort.abort();
    options.signal?.addEventListener('abort', stop, { once: true });
    let body: AsyncIterable<Buffer>;
    try {
      // Settings travel as URL parameters, so a server user whose profile is readonly = 2 accepts them.
      // The server stops a read-only query when its HTTP connection closes (an abort) only when asked to.
      const result = await this.client.exec({
        query: `${sql}\nFORMAT ${format}`, query_params: params, abort_signal: abort.signal,
        clickhouse_settings: {
          ...settings,
          cancel_http_readonly_queries_on_client_close: 1,
          ...(this.reportReader ? { [ROW_POLICY_SETTING]: (options.projects ?? []).join(',') } : {}),
        },
      });
      body = result.stream as AsyncIterable<Buffer>;
    } catch (err) {
      options.signal?.removeEventListener('abort', stop);
      throw asStoreError(err, this.answered(err));
    }
    const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    let bytes = 0;
    try {
      for await (const chunk of body) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new StoreError('sql_limit_exceeded', `The export is larger than the ${Math.floor(maxBytes / 1024 / 1024)} MiB an export may hold.`);
        yield chunk;
      }
    } catch (err) {
      throw err instanceof StoreError ? err : asStoreError(err, this.answered(err));
    } finally {
      options.signal?.removeEventListener('abort', stop);
      abort.abort();
    }
  }

  async insertJSONEachRow(table: string, rows: readonly object[], settings: InsertSettings = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.insertLines(table, Buffer.from(rows.map(wellFormedJson).join('\n')), settings, (err) => asStoreError(err, this.answered(err)));
  }

  /** The event path: a refusal of the rows' content is told apart (insert-errors.ts). */
  async insertJSONEachRowBytes(table: string, rows: readonly Buffer[], settings: InsertSettings = {}): Promise<void> {
    const lines: Buffer[] = [];
    for (const row of rows) lines.push(row, NEWLINE);
    await this.insertLines(table, Buffer.concat(lines), settings, (err) => (this.answered(err) ? insertFailure(err, asStoreError(err, true)) : asStoreError(err, false)));
  }

  private async insertLines(table: string, lines: Buffer, settings: InsertSettings, failure: (err: unknown) => StoreError): Promise<void> {
    if (lines.length === 0) return;
    try {
      // Table names come from code, never from users.
      const result = await this.client.exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`, values: Readable.from([lines]), clickhouse_settings: settings,
      });
      for await (const chunk of result.stream as AsyncIterable<Buffer>) void chunk;
    } catch (err) {
      throw failure(err);
    }
  }

  async ping(): Promise<void> {
    const result = await this.client.ping();
    if (!result.success) {
      throw new StoreError('store_unavailable', `ClickHouse server unreachable: ${result.error.message}`, {
        cause: result.error,
      });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The server answering with an error is a failed query; anything else means it was not reached. */
function asStoreError(err: unknown, answered: boolean): StoreError {
  return new StoreError(answered ? 'query_failed' : 'store_unavailable', messageOf(err), { cause: err });
}
