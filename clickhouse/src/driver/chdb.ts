import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from 'chdb';
import { messageOf, StoreError, StoreLockedError } from '../errors.ts';
import { dataDirOwner } from './data-dir-owner.ts';
import type { Driver, InsertSettings, QueryParams, QuerySettings, StreamFormat } from './driver.ts';
import { parseJSONEachRow } from './json-each-row.ts';
import { ParquetConcat } from './parquet-concat.ts';
import { SessionGate } from './session-gate.ts';
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
  readonly #gate = new SessionGate();

  constructor(private readonly session: Session) {}

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const text = await this.#single(sql, params, 'JSONEachRow');
    return parseJSONEachRow<T>(text);
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    await this.#single(sql, params, 'CSV');
  }

  /**
   * Through the streaming API, not queryBindAsync: in chDB 3.4 a single-shot query that fails
   * after it began writing output leaves that output to be prepended to the result of the
   * next query started on the session, whoever's it is (driver/chdb-stream.int.test.ts).
   * Streams leave nothing behind once they delivered a chunk. EXPLAIN and DESCRIBE cannot
   * stream, and need not: they write only after the parse or analysis succeeded.
   */
  async queryText(sql: string, params: QueryParams, format: string, settings: QuerySettings = {}): Promise<string> {
    if (/^(EXPLAIN|DESCRIBE)\s/i.test(sql)) return this.#single(sql + settingsClause(settings), params, format);
    return this.#gate.exclusive(async () => {
      const chunks: Uint8Array[] = [];
      await this.#streamAlone(sql + settingsClause(settings), params, format, (chunk) => void chunks.push(chunk));
      return Buffer.concat(chunks).toString('utf8');
    });
  }

  /**
   * A stream holds the session alone (see SessionGate), so it must not wait on a slow reader:
   * the engine's output goes to a temporary file as fast as the engine makes it, one chunk in
   * memory at a time, and the caller reads the file afterwards at its own pace.
   */
  async *stream(sql: string, params: QueryParams, format: StreamFormat, settings: QuerySettings = {}): AsyncGenerator<Uint8Array> {
    const dir = await mkdtemp(join(tmpdir(), 'periscope-export-'));
    try {
      const file = join(dir, 'result');
      await this.#gate.exclusive(async () => {
        const out = await open(file, 'w');
        try {
          await this.#streamAlone(sql + settingsClause(settings), params, format, async (chunk) => void (await out.write(chunk)));
        } finally {
          await out.close();
        }
      });
      for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Runs one stream to its end; call inside an exclusive turn. */
  async #streamAlone(sql: string, params: QueryParams, format: string, write: (chunk: Uint8Array) => Promise<void> | void): Promise<void> {
    // Each chunk of a Parquet stream is a whole file; ParquetConcat makes them one.
    const parquet = format === 'Parquet' ? new ParquetConcat() : null;
    let delivered = false;
    try {
      const chunks = this.session.queryStreamBind(sql, params, { format });
      for await (const chunk of chunks) {
        delivered = true;
        const bytes = chunk.raw();
        await write(parquet ? parquet.push(bytes) : Buffer.from(bytes));
      }
      if (parquet) await write(parquet.finish());
    } catch (err) {
      // A stream that fails before its first chunk leaves what its format wrote up front (a
      // Parquet file's schema) for the next query started: this one, still in the same turn.
      if (!delivered) await this.#drain();
      throw asStoreError(err);
    }
  }

  async #drain(): Promise<void> {
    try {
      for await (const chunk of this.session.queryStream('SELECT 1', { format: 'TSVRaw' })) void chunk;
    } catch {
      // Nothing to drain when the session is gone.
    }
  }

  /**
   * Single-shot queries take the session one at a time. One that fails after writing output
   * leaves that output in front of the result of the next query started, even one already
   * running beside it (driver/chdb-stream.int.test.ts): run alone, the failure is followed by a
   * throwaway query in the same turn, which takes the leftovers. Inserts return no rows and
   * still share the session.
   */
  async #single(sql: string, params: QueryParams, format: string): Promise<string> {
    return this.#gate.exclusive(async () => {
      try {
        return (await this.session.queryBindAsync(sql, params, { format })).text();
      } catch (err) {
        await this.#drainSingleShot();
        throw asStoreError(err);
      }
    });
  }

  async #drainSingleShot(): Promise<void> {
    try {
      await this.session.queryAsync('SELECT 1', { format: 'CSV' });
    } catch {
      // Nothing to drain when the session is gone.
    }
  }

  async insertJSONEachRow(table: string, rows: readonly object[], settings: InsertSettings = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.insertJSONEachRowBytes(table, Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n')), settings);
  }

  async insertJSONEachRowBytes(table: string, values: Buffer, settings: InsertSettings = {}): Promise<void> {
    if (values.length === 0) return;
    await this.#gate.shared(async () => {
      try {
        await this.session.insert({ table, values, format: 'JSONEachRow', settings: { ...settings } });
      } catch (err) {
        throw asStoreError(err);
      }
    });
  }

  async ping(): Promise<void> {
    // A query or stream holding the session is the engine answering; waiting behind it (up to a
    // report's time limit) would make /healthz fail while all is well.
    if (this.#gate.exclusiveInUse) return;
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
