import type { Driver } from '../driver/driver.ts';
import type { EventIdentity } from '../store.ts';
import { toDateTime64 } from './datetime.ts';

/** Ids per query: the server driver sends parameters in the URL, which has a length limit. */
const IDS_PER_QUERY = 1000;

/**
 * One stored event's identity as a string: the table's sorting key (project, time to the
 * millisecond, request id). A request id alone is not enough: clients may choose their own
 * (the `Periscope-Request-Id` header), so two projects, or two calls of one project at
 * different times, can share one, and each is its own row.
 */
export function eventKey(e: EventIdentity): string {
  // Not joined by a separator: producers other than the gateway may put any character in the ids.
  return JSON.stringify([e.project_id, e.created_at, e.request_id]);
}

/**
 * The eventKey()s of these events that are already stored: a redelivered batch, or events
 * shipped again after a crash. The filter follows the primary key (project_id, created_at), so
 * each check reads a few granules, not the table.
 */
export async function storedEvents(driver: Driver, events: readonly EventIdentity[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let i = 0; i < events.length; i += IDS_PER_QUERY) {
    const chunk = events.slice(i, i + IDS_PER_QUERY);
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of chunk) {
      lo = Math.min(lo, e.created_at);
      hi = Math.max(hi, e.created_at);
    }
    const rows = await driver.query<{ project_id: string; created_ms: string | number; request_id: string }>(
      `SELECT DISTINCT project_id, toUnixTimestamp64Milli(created_at) AS created_ms, request_id
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
    for (const row of rows) stored.add(eventKey({ project_id: row.project_id, created_at: Number(row.created_ms), request_id: row.request_id }));
  }
  return stored;
}
