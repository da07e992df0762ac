import type { UsersQuery, UserSummary } from '../analytics.ts';
import type { Driver } from '../driver/driver.ts';
import { isoOf } from './datetime.ts';
import { ERROR_CONDITION, filterConditions, rawTimeConditions } from './request-filter.ts';
import { checkRange, limitWithin } from './validate.ts';

interface RawUser {
  user_id: string;
  requests: number | string;
  errors: number | string;
  cost_usd: number | string;
  total_tokens: number | string;
  last_seen_ms: number | string;
}

/**
 * Users with calls in the range, highest cost first (calls without a user id are not a user).
 * A user id is the caller's own name for a person, so it is one user across projects.
 */
export async function listUsers(driver: Driver, q: UsersQuery): Promise<UserSummary[]> {
  const range = checkRange(q);
  const limit = limitWithin(q.limit, 100, 1000);
  if (q.projectIds.length === 0) return [];
  const filter = filterConditions(q);
  const time = rawTimeConditions(range.from, range.to);
  const rows = await driver.query<RawUser>(
    `SELECT user_id, count() AS requests, countIf(${ERROR_CONDITION}) AS errors, sum(cost_usd) AS cost_usd,
            sum(prompt_tokens) + sum(completion_tokens) AS total_tokens,
            max(toUnixTimestamp64Milli(created_at)) AS last_seen_ms
     FROM requests
     WHERE ${[...filter.conditions, ...time.conditions, "user_id != ''"].join(' AND ')}
     GROUP BY user_id
     ORDER BY cost_usd DESC, requests DESC, user_id
     LIMIT {limit:UInt32}`,
    { ...filter.params, ...time.params, limit },
  );
  return rows.map((r) => ({
    user_id: r.user_id,
    requests: Number(r.requests),
    errors: Number(r.errors),
    cost_usd: Number(r.cost_usd),
    total_tokens: Number(r.total_tokens),
    last_seen: isoOf(r.last_seen_ms),
  }));
}
