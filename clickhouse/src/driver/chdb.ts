import type { Session } from 'chdb';
import { messageOf, StoreError, StoreLockedError } from '../errors.ts';
import { dataDirOwner } from './data-dir-owner.ts';
import type { Driver, InsertSettings, QueryParams } from './driver.ts';
import { parseJSONEachRow } from './json-each-row.ts';

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
  const closed = (err as { code?: unknown } | null)?.code === 'CHDB_CLOSED';
  return new StoreError(closed ? 'store_unavailable' : 'query_failed', messageOf(err), { cause: err });
}
