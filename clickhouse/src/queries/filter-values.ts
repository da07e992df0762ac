import { FILTER_FIELDS, type FilterValuesQuery } from '../analytics.ts';
import type { Driver } from '../driver/driver.ts';
import { canUseRollups, filterConditions, rawTimeConditions } from './request-filter.ts';
import { checkRange, invalid } from './validate.ts';

export const MAX_FILTER_VALUES = 500;

/**
 * The values of one column in the range, most used first, for filter pickers. Columns the
 * minute rollup holds are read from it (its buckets are whole minutes, so the range is
 * widened to them, which a picker does not mind); user_id comes from the raw table.
 */
export async function filterValues(driver: Driver, q: FilterValuesQuery): Promise<string[]> {
  const range = checkRange(q);
  if (!FILTER_FIELDS.includes(q.field)) throw invalid(`field must be one of ${FILTER_FIELDS.join(', ')}`);
  if (q.projectIds.length === 0) return [];
  const filter = filterConditions(q);
  const fromRollup = q.field !== 'user_id' && canUseRollups(q);
  const time = fromRollup
    ? {
        conditions: ["bucket >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))", "bucket < fromUnixTimestamp64Milli({to:Int64}, 'UTC')"],
        params: { from: range.from, to: range.to },
      }
    : rawTimeConditions(range.from, range.to);
  const rows = await driver.query<{ value: string }>(
    `SELECT ${q.field} AS value
     FROM ${fromRollup ? 'requests_rollup_1m' : 'requests'}
     WHERE ${[...filter.conditions, ...time.conditions, `${q.field} != ''`].join(' AND ')}
     GROUP BY value
     ORDER BY ${fromRollup ? 'sum(requests)' : 'count()'} DESC, value
     LIMIT ${MAX_FILTER_VALUES}`,
    { ...filter.params, ...time.params },
  );
  return rows.map((r) => r.value);
}
