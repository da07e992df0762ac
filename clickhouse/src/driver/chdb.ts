import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Session } from 'chdb';
import { wellFormedJson } from '@periscope/contract';
import { messageOf, StoreError, StoreLockedError } from '../errors.ts';
import { SANDBOX_DATABASE, writeEngineConfig } from './chdb-engine-config.ts';
import { ReadOnlyConnections } from './chdb-readers.ts';
import { dataDirOwner } from './data-dir-owner.ts';
import type { Driver, InsertSettings, QueryParams, QuerySettings, ReadOptions, StreamFormat, StreamOptions } from './driver.ts';
import { ExportSpool } from './export-spool.ts';
import { insertFailure } from './insert-errors.ts';
import { parseJSONEachRow } from './json-each-row.ts';
import { LineBuffers } from './line-buffers.ts';
import { ParquetConcat } from './parquet-concat.ts';
import { RepeatedHeader } from './repeated-header.ts';
import { SessionGate } from './session-gate.ts';

/** Embedded ClickHouse (chDB) in a data directory of this process. */
export async function openChdbDriver(dataDir: string): Promise<Driver> {
  // The engine is a ~540 MB native library: only deployments that use it pay for loading it.
  const { Session, drainPending } = await import('chdb');
  const owner = await dataDirOwner(dataDir);
  if (owner !== null) throw new StoreLockedError(dataDir, owner);
  const configArg = await writeEngineConfig(dataDir);
  let session: Session;
  try {
    session = new Session(dataDir, { connectionArgs: [configArg] });
  } catch (err) {
    const racedOwner = await dataDirOwner(dataDir);
    if (racedOwner !== null) throw new StoreLockedError(dataDir, racedOwner, { cause: err });
    throw new StoreError('store_unavailable', `cannot open the chDB data directory ${dataDir}: ${messageOf(err)}`, {
      cause: err,
    });
  }
  // Exports left by a process that crashed while writing one; this process holds the directory now.
  const spoolDir = join(dataDir, 'periscope-exports');
  await rm(spoolDir, { recursive: true, force: true });
  const driver = new ChdbDriver(session, (args) => new Session(dataDir, { connectionArgs: args }), spoolDir, drainPending);
  await driver.exec(`CREATE DATABASE IF NOT EXISTS ${SANDBOX_DATABASE} ENGINE = Memory`);
  return driver;
}

class ChdbDriver implements Driver {
  readonly kind = 'chdb';
  readonly database = 'default';
  readonly #gate = new SessionGate();
  readonly #readers: ReadOnlyConnections;
  readonly #lines = new LineBuffers();

  constructor(
    private readonly session: Session,
    connect: (engineArgs: string[]) => Session,
    private readonly spoolDir: string,
    private readonly drainPending: () => Promise<void>,
  ) {
    this.#readers = new ReadOnlyConnections(connect, (logComment) => this.exec("KILL QUERY WHERE Settings['log_comment'] = {logComment:String} ASYNC", { logComment }));
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const text = await this.#single(sql, params, 'JSONEachRow');
    return parseJSONEachRow<T>(text);
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    await this.#single(sql, params, 'CSV');
  }

  /**
   * EXPLAIN cannot stream, so it runs single-shot (it is quick: the sandbox only parses);
   * everything else streams, because chDB 3.4 runs bound single-shot queries one at a time
   * across all connections of the process (measured: a store query waited 3.7 s behind a
   * user's), which would make a heavy result hold up the store's own queries.
   */
  async queryText(sql: string, params: QueryParams, format: string, settings: QuerySettings = {}, options: ReadOptions = {}): Promise<string> {
    return this.#readers.run(settings, options.projects ?? [], options.signal, async (reader) => {
      try {
        if (/^EXPLAIN\s/i.test(sql)) return (await reader.queryBindAsync(sql, params, { format })).text();
        const header = RepeatedHeader.of(format);
        const chunks: Uint8Array[] = [];
        for await (const chunk of reader.queryStreamBind(sql, params, { format })) chunks.push(header ? header.push(chunk.raw()) : chunk.raw());
        return Buffer.concat(chunks).toString('utf8');
      } catch (err) {
        throw asStoreError(err);
      }
    });
  }

  /**
   * The engine's output goes to a spool file as fast as the engine makes it, so the query
   * ends (and its connection is free) however slowly the caller reads the file afterwards.
   */
  async *stream(sql: string, params: QueryParams, format: StreamFormat, settings: QuerySettings = {}, options: StreamOptions = {}): AsyncGenerator<Uint8Array> {
    const spool = await ExportSpool.open(this.spoolDir, {
      maxBytes: options.maxBytes ?? Number.MAX_SAFE_INTEGER,
      minFreeDiskBytes: options.minFreeDiskBytes ?? 0,
    });
    try {
      await this.#readers.run(settings, options.projects ?? [], options.signal, async (reader) => {
        // Each chunk of a Parquet stream is a whole file; ParquetConcat makes them one.
        const parquet = format === 'Parquet' ? new ParquetConcat() : null;
        const header = RepeatedHeader.of(format);
        try {
          for await (const chunk of reader.queryStreamBind(sql, params, { format, signal: options.signal })) {
            const bytes = chunk.raw();
            await spool.write(parquet ? parquet.push(bytes) : header ? header.push(bytes) : bytes);
          }
          if (parquet) await spool.write(parquet.finish());
        } catch (err) {
          throw asStoreError(err);
        }
      });
      yield* spool.read();
    } finally {
      await spool.remove();
    }
  }

  /**
   * The store's own queries take its session one at a time. One that fails after writing
   * output leaves that output in front of the result of the next query started, even one
   * already running beside it (driver/chdb-stream.int.test.ts): run alone, the failure is
   * followed by a throwaway query in the same turn, which takes the leftovers. Inserts return
   * no rows and still share the session.
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
    await this.#insert(table, Buffer.from(rows.map(wellFormedJson).join('\n')), settings, asStoreError);
  }

  async insertJSONEachRowBytes(table: string, rows: readonly Buffer[], settings: InsertSettings = {}): Promise<void> {
    // No abort or timeout is passed to the engine, so the insert settles only once the engine is
    // done with the bytes and the buffer can be reused.
    await this.#lines.withLines(rows, (values) => this.#insert(table, values, settings, (err) => insertFailure(err, asStoreError(err))));
  }

  async #insert(table: string, values: Buffer, settings: InsertSettings, failure: (err: unknown) => StoreError): Promise<void> {
    if (values.length === 0) return;
    await this.#gate.shared(async () => {
      try {
        await this.session.insert({ table, values, format: 'JSONEachRow', settings: { ...settings } });
      } catch (err) {
        throw failure(err);
      }
    });
  }

  async ping(): Promise<void> {
    // A query holding the session is the engine answering; waiting behind it would make
    // /healthz fail while all is well.
    if (this.#gate.exclusiveInUse) return;
    await this.query('SELECT 1');
  }

  /** Once it resolves, the process may open another data directory (chDB binds one at a time). */
  async close(): Promise<void> {
    await this.#readers.close();
    this.session.close();
    await this.drainPending();
  }
}

function asStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const closed = (err as { code?: unknown } | null)?.code === 'CHDB_CLOSED';
  return new StoreError(closed ? 'store_unavailable' : 'query_failed', messageOf(err), { cause: err });
}
