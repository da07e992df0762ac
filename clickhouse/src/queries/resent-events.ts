import type { Driver } from '../driver/driver.ts';
import { privateTable } from '../private-tables.ts';

/** How long the ids are kept (migration 009's TTL), and so how far back a member looks. */
const KEPT_HOURS = 24;

/** Records the request ids of events that came marked as resent (migration 009). */
export async function recordResent(driver: Driver, requestIds: readonly string[]): Promise<void> {
  if (requestIds.length === 0) return;
  await driver.insertJSONEachRow(privateTable(driver, 'resent_events'), requestIds.map((request_id) => ({ request_id })));
}

/**
 * The request ids recorded as resent within the last day, the most recently recorded first, at
 * most `limit`, each once (a batch read again records its ids again).
 */
export async function recentlyResent(driver: Driver, limit: number): Promise<string[]> {
  const rows = await driver.query<{ request_id: string }>(
    `SELECT request_id FROM ${privateTable(driver, 'resent_events')}
     WHERE seen_at > now() - INTERVAL ${KEPT_HOURS} HOUR
     GROUP BY request_id
     ORDER BY max(seen_at) DESC, request_id
     LIMIT {limit:UInt32}`,
    { limit },
  );
  return rows.map((r) => r.request_id);
}
