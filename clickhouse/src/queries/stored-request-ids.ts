import type { Driver } from '../driver/driver.ts';
import type { EventIdentity } from '../store.ts';
import { toDateTime64 } from './datetime.ts';

/** Ids per query: the server driver sends parameters in the URL, which has a length limit. */
const IDS_PER_QUERY = 1000;

/**
 * The request ids of these events that are already stored (same project, created_at and
 * request_id): a redelivered batch, or events shipped again after a crash. The filter follows
 * the primary key (project_id, created_at), so each check reads a few granules, not the table.
 */
export async function storedRequestIds(driver: Driver, events: readonly EventIdentity[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let i = 0; i < events.length; i += IDS_PER_QUERY) {
    const chunk = events.slice(i, i + IDS_PER_QUERY);
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of chunk) {
      lo = Math.min(lo, e.created_at);
      hi = Math.max(hi, e.created_at);
    }
    const rows = await driver.query<{ request_id: string }>(
      `SELECT DISTINCT request_id
       FROM requests
       WHERE project_id IN {projects:Array(String)}
         AND created_at BETWEEN {lo:DateTime64(3, 'UTC')} AND {hi:DateTime64(3, 'UTC')}
         AND request_id IN {ids:Array(String)}`,
      {
        projects: [...new Set(chunk.map((e) => e.project_id))],
        lo: toDateTime64(lo),
        hi: toDateTime64(hi),
        ids: chunk.map((e) => e.request_id),
      },
    );
    for (const row of rows) stored.add(row.request_id);
  }
  return stored;
}
