import type { Driver, ParamValue } from '../driver/driver.ts';
import { REQUEST_SORTS, type ListRequestsQuery, type RequestPage, type RequestSort } from '../store.ts';
import {
  decodeAscendingCursor, decodeCursor, decodeOffsetCursor, encodeAscendingCursor, encodeCursor, encodeOffsetCursor,
  type CursorPosition,
} from './cursor.ts';
import { bodySearchCondition } from './body-search.ts';
import { filterConditions, rawTimeConditions } from './request-filter.ts';
import { ROW_SELECT, toRequestRow, type RawRequestRow } from './request-row.ts';
import { epochMs, integer, invalid, limitWithin } from './validate.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;
/** Offset pages stop here: deeper pages of a non-time sort would re-sort ever more rows for each page. */
export const MAX_OFFSET = 100_000;

const SORT_EXPRESSIONS: Record<RequestSort, string> = {
  created_at: 'created_at',
  latency_ms: 'latency_ms',
  ttft_ms: 'ttft_ms',
  cost_usd: 'cost_usd',
  total_tokens: 'prompt_tokens + completion_tokens',
  status: 'status',
};

/**
 * One page of requests without the body columns, newest first unless sorted otherwise.
 *
 * Duplicates of a redelivered event are removed with FINAL rather than LIMIT 1 BY: both
 * give the same rows (duplicates share the whole sorting key), but FINAL collapses them
 * while reading, so ORDER BY ... LIMIT stays a top-N sort over the filtered range, whereas
 * LIMIT 1 BY sits between ORDER BY and LIMIT and forces a full sort of that range.
 */
export async function listRequests(driver: Driver, q: ListRequestsQuery): Promise<RequestPage> {
  const limit = clampLimit(q.limit);
  const sort = q.sort ?? 'created_at';
  const order = q.order ?? 'desc';
  if (!REQUEST_SORTS.includes(sort)) throw invalid(`sort must be one of ${REQUEST_SORTS.join(', ')}`);
  if (order !== 'asc' && order !== 'desc') throw invalid('order must be asc or desc');
  if (q.projectIds.length === 0) return { data: [], next_cursor: null };

  const { conditions, params } = listConditions(q);
  return sort === 'created_at'
    ? timePage(driver, q, conditions, params, limit, order)
    : offsetPage(driver, q, conditions, params, limit, sort, order);
}

/** Keyset pagination in the primary key's order: every page is a range read, however deep. */
async function timePage(
  driver: Driver, q: ListRequestsQuery, conditions: string[], params: Record<string, ParamValue>, limit: number,
  order: 'asc' | 'desc',
): Promise<RequestPage> {
  const desc = order === 'desc';
  if (q.cursor !== undefined) {
    const c = desc ? decodeCursor(q.cursor) : decodeAscendingCursor(q.cursor);
    // The tuple comparison is exact; the plain bound beside it is what the primary key can use.
    conditions.push(
      `created_at ${desc ? '<=' : '>='} fromUnixTimestamp64Milli({cursorAt:Int64}, 'UTC') AND ` +
        `(created_at, request_id, project_id) ${desc ? '<' : '>'} (fromUnixTimestamp64Milli({cursorAt:Int64}, 'UTC'), {cursorId:String}, {cursorProject:String})`,
    );
    Object.assign(params, { cursorAt: c.createdAtMs, cursorId: c.requestId, cursorProject: c.projectId });
  }
  const direction = desc ? 'DESC' : 'ASC';
  // One row past the page tells whether a next page exists without a second query.
  const raw = await driver.query<RawRequestRow>(
    `SELECT ${ROW_SELECT}
     FROM requests FINAL
     WHERE ${conditions.join('\n       AND ')}
     ORDER BY created_at ${direction}, request_id ${direction}, project_id ${direction}
     LIMIT {limit:UInt32}`,
    { ...params, limit: limit + 1 },
  );
  const page = raw.slice(0, limit);
  const last = page.at(-1);
  let next_cursor: string | null = null;
  if (raw.length > limit && last) {
    const position: CursorPosition = { createdAtMs: Number(last.created_at_ms), requestId: last.request_id, projectId: last.project_id };
    next_cursor = desc ? encodeCursor(position) : encodeAscendingCursor(position);
  }
  return { data: page.map(toRequestRow), next_cursor };
}

async function offsetPage(
  driver: Driver, q: ListRequestsQuery, conditions: string[], params: Record<string, ParamValue>, limit: number,
  sort: RequestSort, order: 'asc' | 'desc',
): Promise<RequestPage> {
  const sortKey = `${sort}:${order}`;
  const offset = q.cursor === undefined ? 0 : decodeOffsetCursor(q.cursor, sortKey);
  // Ties (and NULL TTFTs, last either way) fall back to the default order, so pages never overlap.
  const raw = await driver.query<RawRequestRow>(
    `SELECT ${ROW_SELECT}
     FROM requests FINAL
     WHERE ${conditions.join('\n       AND ')}
     ORDER BY ${SORT_EXPRESSIONS[sort]} ${order === 'desc' ? 'DESC' : 'ASC'} NULLS LAST,
              created_at DESC, request_id DESC, project_id DESC
     LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { ...params, limit: limit + 1, offset },
  );
  const next = offset + limit;
  const next_cursor = raw.length > limit && next < MAX_OFFSET ? encodeOffsetCursor(sortKey, next) : null;
  return { data: raw.slice(0, limit).map(toRequestRow), next_cursor };
}

export function clampLimit(limit: number | undefined): number {
  return limitWithin(limit, DEFAULT_LIMIT, MAX_LIMIT);
}

/** The shared filters plus what only the log page filters by: time (optional here), body text, latency. */
function listConditions(q: ListRequestsQuery): { conditions: string[]; params: Record<string, ParamValue> } {
  const filter = filterConditions(q);
  const time = rawTimeConditions(
    q.from === undefined ? undefined : epochMs('from', q.from),
    q.to === undefined ? undefined : epochMs('to', q.to),
  );
  const conditions = [...filter.conditions, ...time.conditions];
  const params = { ...filter.params, ...time.params };
  if (q.q !== undefined && q.q !== '') {
    const search = bodySearchCondition(q.q);
    conditions.push(search.condition);
    Object.assign(params, search.params);
  }
  if (q.min_latency_ms !== undefined) {
    conditions.push('latency_ms >= {minLatency:UInt32}');
    params.minLatency = integer('min_latency_ms', q.min_latency_ms, 4_294_967_295);
  }
  if (q.max_latency_ms !== undefined) {
    conditions.push('latency_ms <= {maxLatency:UInt32}');
    params.maxLatency = integer('max_latency_ms', q.max_latency_ms, 4_294_967_295);
  }
  return { conditions, params };
}
