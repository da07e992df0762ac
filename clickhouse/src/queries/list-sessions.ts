import type { SessionPage, SessionsQuery, SessionSummary } from '../analytics.ts';
import type { Driver } from '../driver/driver.ts';
import { decodeParts, encodeParts, invalidCursor } from './cursor.ts';
import { isoOf } from './datetime.ts';
import { ERROR_CONDITION, filterConditions, rawTimeConditions } from './request-filter.ts';
import { checkRange, limitWithin } from './validate.ts';

interface RawSession {
  session_id: string;
  project_id: string;
  name: string;
  session_user: string;
  requests: number | string;
  errors: number | string;
  cost_usd: number | string;
  total_tokens: number | string;
  started_ms: number | string;
  ended_ms: number | string;
}

/**
 * Sessions with calls in the range, newest start first, from the raw table (session ids are
 * too many for a rollup). Per project: two projects may use the same session id. The numbers
 * cover the calls inside the range; a session that began before `from` starts at its first
 * call in range. Aliases differ from the columns: a ClickHouse alias would replace the column
 * in WHERE too.
 */
export async function listSessions(driver: Driver, q: SessionsQuery): Promise<SessionPage> {
  const range = checkRange(q);
  const limit = limitWithin(q.limit, 50, 1000);
  if (q.projectIds.length === 0) return { data: [], next_cursor: null };
  const filter = filterConditions(q);
  const time = rawTimeConditions(range.from, range.to);
  const params = { ...filter.params, ...time.params, limit: limit + 1 };
  let having = '';
  if (q.cursor !== undefined) {
    const [startedMs, projectId, sessionId, ...rest] = decodeParts(q.cursor);
    if (!Number.isSafeInteger(startedMs) || typeof projectId !== 'string' || typeof sessionId !== 'string' || rest.length > 0) {
      throw invalidCursor();
    }
    having = 'HAVING (started_ms, project_id, session_id) < ({cursorStarted:Int64}, {cursorProject:String}, {cursorSession:String})';
    Object.assign(params, { cursorStarted: startedMs, cursorProject: projectId, cursorSession: sessionId });
  }
  const rows = await driver.query<RawSession>(
    `SELECT session_id, project_id,
            anyIf(session_name, session_name != '') AS name,
            anyIf(user_id, user_id != '') AS session_user,
            count() AS requests,
            countIf(${ERROR_CONDITION}) AS errors,
            sum(cost_usd) AS cost_usd,
            sum(prompt_tokens) + sum(completion_tokens) AS total_tokens,
            min(toUnixTimestamp64Milli(created_at)) AS started_ms,
            max(toUnixTimestamp64Milli(created_at) + latency_ms) AS ended_ms
     FROM requests
     WHERE ${[...filter.conditions, ...time.conditions, "session_id != ''"].join(' AND ')}
     GROUP BY project_id, session_id
     ${having}
     ORDER BY started_ms DESC, project_id DESC, session_id DESC
     LIMIT {limit:UInt32}`,
    params,
  );
  const page = rows.slice(0, limit).map(toSessionSummary);
  const last = rows[limit - 1];
  const next_cursor = rows.length > limit && last ? encodeParts([Number(last.started_ms), last.project_id, last.session_id]) : null;
  return { data: page, next_cursor };
}

function toSessionSummary(r: RawSession): SessionSummary {
  const started = Number(r.started_ms);
  const ended = Number(r.ended_ms);
  return {
    session_id: r.session_id,
    project_id: r.project_id,
    session_name: r.name,
    user_id: r.session_user,
    requests: Number(r.requests),
    errors: Number(r.errors),
    cost_usd: Number(r.cost_usd),
    total_tokens: Number(r.total_tokens),
    started_at: isoOf(started),
    ended_at: isoOf(ended),
    duration_ms: ended - started,
  };
}
