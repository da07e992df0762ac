import type { RequestEvent } from '../contract/index.ts';
import type { Driver } from '../driver/driver.ts';
import { toDateTime64 } from './datetime.ts';

/**
 * How many of these events are already stored (same project, created_at and request_id):
 * a redelivered batch. The filter follows the primary key (project_id, created_at), so the
 * check reads a few granules, not the table.
 */
export async function countStored(driver: Driver, events: RequestEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of events) {
    lo = Math.min(lo, e.created_at);
    hi = Math.max(hi, e.created_at);
  }
  const [row] = await driver.query<{ n: number | string }>(
    `SELECT uniqExact(request_id) AS n
     FROM requests
     WHERE project_id IN {projects:Array(String)}
       AND created_at BETWEEN {lo:DateTime64(3, 'UTC')} AND {hi:DateTime64(3, 'UTC')}
       AND request_id IN {ids:Array(String)}`,
    {
      projects: [...new Set(events.map((e) => e.project_id))],
      lo: toDateTime64(lo),
      hi: toDateTime64(hi),
      ids: events.map((e) => e.request_id),
    },
  );
  return Number(row?.n ?? 0);
}
