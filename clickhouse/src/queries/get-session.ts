import { SESSION_MAX_ROWS, type SessionDetail, type SessionQuery } from '../analytics.ts';
import type { Driver } from '../driver/driver.ts';
import { rawTimeConditions } from './request-filter.ts';
import { ROW_SELECT, toRequestRow, type RawRequestRow } from './request-row.ts';
import { checkRange, text } from './validate.ts';

/**
 * One session's calls in the range, oldest first, each with its session_path so the caller
 * can draw the tree. FINAL shows a redelivered call once, as the log does; the session_id
 * bloom filter keeps the read to the granules holding the session.
 */
export async function getSession(driver: Driver, q: SessionQuery): Promise<SessionDetail | null> {
  const range = checkRange(q);
  const sessionId = text('session_id', q.session_id);
  if (q.projectIds.length === 0 || sessionId === '') return null;
  const time = rawTimeConditions(range.from, range.to);
  const raw = await driver.query<RawRequestRow>(
    `SELECT ${ROW_SELECT}
     FROM requests FINAL
     WHERE project_id IN {projectIds:Array(String)} AND session_id = {sessionId:String} AND ${time.conditions.join(' AND ')}
     ORDER BY created_at, request_id, project_id
     LIMIT {limit:UInt32}`,
    { projectIds: q.projectIds, sessionId, ...time.params, limit: SESSION_MAX_ROWS + 1 },
  );
  if (raw.length === 0) return null;
  const requests = raw.slice(0, SESSION_MAX_ROWS).map(toRequestRow);
  return {
    session_id: sessionId,
    session_name: requests.find((r) => r.session_name !== '')?.session_name ?? '',
    requests,
    truncated: raw.length > SESSION_MAX_ROWS,
  };
}
