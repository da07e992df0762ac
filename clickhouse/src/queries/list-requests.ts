import type { Driver, ParamValue } from '../driver/driver.ts';
import { StoreError } from '../errors.ts';
import type { ListRequestsQuery, RequestPage } from '../store.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ROW_SELECT, toRequestRow, type RawRequestRow } from './request-row.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

const CACHE_STATUSES: readonly string[] = ['hit', 'miss', 'bypass'];

/**
 * One page of requests, newest first, without the body columns.
 *
 * Duplicates of a redelivered event are removed with FINAL rather than LIMIT 1 BY: both
 * give the same rows (duplicates share the whole sorting key), but FINAL collapses them
 * while reading, so ORDER BY ... LIMIT stays a top-N sort over the filtered range, whereas
 * LIMIT 1 BY sits between ORDER BY and LIMIT and forces a full sort of that range.
 */
export async function listRequests(driver: Driver, q: ListRequestsQuery): Promise<RequestPage> {
  const limit = clampLimit(q.limit);
  if (q.projectIds.length === 0) return { data: [], next_cursor: null };
  const { conditions, params } = buildFilter(q);
  // One row past the page tells whether a next page exists without a second query.
  const raw = await driver.query<RawRequestRow>(
    `SELECT ${ROW_SELECT}
     FROM requests FINAL
     WHERE ${conditions.join('\n       AND ')}
     ORDER BY created_at DESC, request_id DESC, project_id DESC
     LIMIT {limit:UInt32}`,
    { ...params, limit: limit + 1 },
  );
  const page = raw.slice(0, limit);
  const last = page.at(-1);
  const next_cursor =
    raw.length > limit && last
      ? encodeCursor({ createdAtMs: Number(last.created_at_ms), requestId: last.request_id, projectId: last.project_id })
      : null;
  return { data: page.map(toRequestRow), next_cursor };
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isFinite(limit)) throw invalid('limit must be a number');
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

/** SQL conditions holding only `{name:Type}` placeholders; every value goes in params. */
function buildFilter(q: ListRequestsQuery): { conditions: string[]; params: Record<string, ParamValue> } {
  const conditions = ['project_id IN {projectIds:Array(String)}'];
  const params: Record<string, ParamValue> = { projectIds: q.projectIds };
  const add = (condition: string, values: Record<string, ParamValue>) => {
    conditions.push(condition);
    Object.assign(params, values);
  };

  if (q.from !== undefined) {
    add("created_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')", { from: epochMs('from', q.from) });
  }
  if (q.to !== undefined) {
    add("created_at < fromUnixTimestamp64Milli({to:Int64}, 'UTC')", { to: epochMs('to', q.to) });
  }
  if (q.model !== undefined) add('model = {model:String}', { model: text('model', q.model) });
  if (q.provider !== undefined) add('provider = {provider:String}', { provider: text('provider', q.provider) });
  if (q.status !== undefined) add('status = {status:UInt16}', { status: integer('status', q.status, 999) });
  if (q.statusClass !== undefined) {
    add('intDiv(status, 100) = {statusClass:UInt8}', { statusClass: integer('statusClass', q.statusClass, 9) });
  }
  if (q.user_id !== undefined) add('user_id = {userId:String}', { userId: text('user_id', q.user_id) });
  if (q.session_id !== undefined) add('session_id = {sessionId:String}', { sessionId: text('session_id', q.session_id) });
  if (q.cache_status !== undefined) {
    if (!CACHE_STATUSES.includes(q.cache_status)) throw invalid('cache_status must be hit, miss or bypass');
    add('cache_status = {cacheStatus:String}', { cacheStatus: q.cache_status });
  }
  Object.entries(q.properties ?? {}).forEach(([key, value], i) => {
    // mapContains keeps `{k: ''}` from matching rows that lack k (a missing key reads as '').
    add(`mapContains(properties, {propKey${i}:String}) AND properties[{propKey${i}:String}] = {propValue${i}:String}`, {
      [`propKey${i}`]: key,
      [`propValue${i}`]: text(`properties.${key}`, value),
    });
  });
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor);
    // The tuple comparison is exact; the plain bound beside it is what the primary key can use.
    add(
      "created_at <= fromUnixTimestamp64Milli({cursorAt:Int64}, 'UTC') AND " +
        "(created_at, request_id, project_id) < (fromUnixTimestamp64Milli({cursorAt:Int64}, 'UTC'), {cursorId:String}, {cursorProject:String})",
      { cursorAt: c.createdAtMs, cursorId: c.requestId, cursorProject: c.projectId },
    );
  }
  return { conditions, params };
}

function epochMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be epoch milliseconds`);
  return value;
}

function integer(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalid(`${name} must be an integer from 0 to ${max}`);
  return value;
}

function text(name: string, value: string): string {
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

function invalid(message: string): StoreError {
  return new StoreError('invalid_argument', message);
}
