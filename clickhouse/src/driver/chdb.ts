import type { Session } from 'chdb';
import { messageOf, StoreError, StoreLockedError } from '../errors.ts';
import { dataDirOwner } from './data-dir-owner.ts';
import type { Driver, InsertSettings, QueryParams, QuerySettings, StreamFormat } from './driver.ts';
import { parseJSONEachRow } from './json-each-row.ts';
import { ParquetConcat } from './parquet-concat.ts';
import { settingsClause } from './settings-clause.ts';

/** Embedded ClickHouse (chDB) in a data directory of this process. */
export async function openChdbDriver(dataDir: string): Promise<Driver> {
  // The engine is a ~540 MB native library: only deployments that use it pay for loading it.
  const { Session } = await import('chdb');
  let session: Session;
  try {
    session = new Session(dataDir);
  } catch (err) {
    const owner = await dataDirOwner(dataDir);
    if (owner !== null) throw new StoreLockedError(dataDir, owner, { cause: err });
    throw new StoreError('store_unavailable', `cannot open the chDB data directory ${dataDir}: ${messageOf(err)}`, {
      cause: err,
    });
  }
  return new ChdbDriver(session);
}

class ChdbDriver implements Driver {
  readonly kind = 'chdb';
  /** A session runs one stream at a time, and opening a second one cancels the first: streams take turns. */
  private streamTurn: Promise<void> = Promise.resolve();

  constructor(private readonly session: Session) {}

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    try {
      const result = await this.session.queryBindAsync(sql, params, { format: 'JSONEachRow' });
      return parseJSONEachRow<T>(result.text());
    } catch (err) {
      throw asStoreError(err);
    }
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    try {
      await this.session.queryBindAsync(sql, params);
    } catch (err) {
      throw asStoreError(err);
    }
  }

  /**
   * Through the streaming API, not queryBindAsync: in chDB 3.4 a single-shot query that fails
   * after it began writing output leaves that output to be prepended to the result of the
   * next query started on the session, whoever's it is (driver/chdb-failed-output.int.test.ts).
   * Streams leave nothing behind once they delivered a chunk. EXPLAIN and DESCRIBE cannot
   * stream, and need not: they write only after the parse or analysis succeeded.
   */
  async queryText(sql: string, params: QueryParams, format: string, settings: QuerySettings = {}): Promise<string> {
    if (/^(EXPLAIN|DESCRIBE)\s/i.test(sql)) {
      try {
        return (await this.session.queryBindAsync(sql + settingsClause(settings), params, { format })).text();
      } catch (err) {
        throw asStoreError(err);
      }
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.stream(sql, params, format, settings)) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  async *stream(sql: string, params: QueryParams, format: StreamFormat | string, settings: QuerySettings = {}): AsyncGenerator<Uint8Array> {
    const previous = this.streamTurn;
    let done!: () => void;
    this.streamTurn = new Promise((resolve) => (done = resolve));
    await previous;
    let delivered = false;
    try {
      // Each chunk of a Parquet stream is a whole file; ParquetConcat makes them one.
      const parquet = format === 'Parquet' ? new ParquetConcat() : null;
      const chunks = (() => {
        try {
          return this.session.queryStreamBind(sql + settingsClause(settings), params, { format });
        } catch (err) {
          throw asStoreError(err);
        }
      })();
      try {
        for await (const chunk of chunks) {
          delivered = true;
          // A copy: the chunk's bytes belong to the engine once the next one is read.
          const bytes = Buffer.from(chunk.raw());
          yield parquet ? parquet.push(bytes) : bytes;
        }
      } catch (err) {
        throw asStoreError(err);
      } finally {
        if (!chunks.closed) chunks.cancel();
      }
      if (parquet) yield parquet.finish();
    } catch (err) {
      // A stream that fails before its first chunk leaves what its format wrote up front (a
      // Parquet file's schema) for the next query started: this one, still in the stream's turn.
      if (!delivered) await this.drain();
      throw err;
    } finally {
      done();
    }
  }

  private async drain(): Promise<void> {
    try {
      for await (const chunk of this.session.queryStream('SELECT 1', { format: 'TSVRaw' })) void chunk;
    } catch {
      // Nothing to drain when the session is gone.
    }
  }

  async insertJSONEachRow(table: string, rows: readonly object[], settings: InsertSettings = {}): Promise<void> {
    if (rows.length === 0) return;
    const values = Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n'));
    try {
      await this.session.insert({ table, values, format: 'JSONEachRow', settings: { ...settings } });
    } catch (err) {
      throw asStoreError(err);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    this.session.close();
  }
}

function asStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const closed = (err as { code?: unknown } | null)?.code === 'CHDB_CLOSED';
  return new StoreError(closed ? 'store_unavailable' : 'query_failed', messageOf(err), { cause: err });
}
