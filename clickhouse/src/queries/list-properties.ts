import type { PropertySummary, RangeQuery } from '../analytics.ts';
import type { Driver } from '../driver/driver.ts';
import { filterConditions, rawTimeConditions } from './request-filter.ts';
import { checkRange } from './validate.ts';

export const MAX_PROPERTY_KEYS = 100;
export const VALUES_PER_PROPERTY = 20;

/** Property keys used in the range, most used first, each with its most frequent values (for pickers). */
export async function listProperties(driver: Driver, q: RangeQuery): Promise<PropertySummary[]> {
  const range = checkRange(q);
  if (q.projectIds.length === 0) return [];
  const filter = filterConditions(q);
  const time = rawTimeConditions(range.from, range.to);
  // topK is approximate on large inputs, which is fine for a picker; exact on small ones.
  const rows = await driver.query<{ key: string; values: string[] }>(
    `SELECT key, topK(${VALUES_PER_PROPERTY})(value) AS values
     FROM requests
     ARRAY JOIN mapKeys(properties) AS key, mapValues(properties) AS value
     WHERE ${[...filter.conditions, ...time.conditions].join(' AND ')}
     GROUP BY key
     ORDER BY count() DESC, key
     LIMIT ${MAX_PROPERTY_KEYS}`,
    { ...filter.params, ...time.params },
  );
  return rows.map((r) => ({ key: r.key, values: r.values }));
}
