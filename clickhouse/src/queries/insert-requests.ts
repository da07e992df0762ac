import { encodeRequestEvent, validateRequestEvent, type RequestEvent } from '@periscope/contract';
import type { Driver, InsertSettings } from '../driver/driver.ts';
import { StoreError } from '../errors.ts';
import type { InsertOptions } from '../store.ts';

/**
 * Settings of every insert into `requests`. Dependent materialized views (the rollups)
 * deduplicate with the table, so a batch retried with its token is counted once there too;
 * fields a newer producer adds are skipped rather than refused.
 */
function insertSettings(opts: InsertOptions): InsertSettings {
  const base: InsertSettings = { input_format_skip_unknown_fields: 1, deduplicate_blocks_in_dependent_materialized_views: 1 };
  return opts.dedupToken === undefined ? base : { ...base, insert_deduplication_token: opts.dedupToken };
}

/**
 * Writes rows that are already encoded events (decodeEventRow checked them): the bytes go to
 * ClickHouse's JSONEachRow as they are, one line each.
 */
export async function insertRequestRows(driver: Driver, rows: readonly Buffer[], opts: InsertOptions = {}): Promise<void> {
  if (rows.length === 0) return;
  await driver.insertJSONEachRowBytes('requests', rows, insertSettings(opts));
}

/**
 * Writes a batch of event objects (seeding, tests). Each event is checked against the contract
 * first: ClickHouse would otherwise store an out-of-range count wrapped around.
 */
export async function insertRequests(driver: Driver, events: RequestEvent[], opts: InsertOptions = {}): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event, i) => {
    const checked = validateRequestEvent(event);
    if (!checked.ok) throw new StoreError('invalid_event', `event ${i} (${String(event.request_id)}): ${checked.reason}`);
    return encodeRequestEvent(checked.event);
  });
  await insertRequestRows(driver, rows, opts);
}
