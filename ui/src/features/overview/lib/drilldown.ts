import { emptyFilters, requestsHref, type RequestFilters } from '../../../lib/request-filters.ts';
import type { GroupBy } from '../../../api-types.ts';

/**
 * Series keys that are not a value to filter on: the rest past the top 10, the ungrouped
 * series, and the empty value (the API cannot filter on "no user").
 */
const NOT_A_VALUE = new Set(['other', 'all', '(none)', '']);

/** The request-log filters that select one series of a group-by. */
export function groupFilters(groupBy: GroupBy, key: string): Pick<RequestFilters, 'values' | 'properties'> {
  const none = { values: {}, properties: [] };
  if (groupBy === 'none' || NOT_A_VALUE.has(key)) return none;
  if (groupBy.startsWith('property:')) return { values: {}, properties: [[groupBy.slice('property:'.length), key]] };
  if (groupBy === 'status_class') {
    // "2xx", "5xx" or "2": the class is the first digit.
    const digit = /^(\d)/.exec(key)?.[1];
    return digit ? { values: { status_class: digit }, properties: [] } : none;
  }
  if (groupBy === 'model' || groupBy === 'provider' || groupBy === 'key_id' || groupBy === 'user_id') {
    return { values: { [groupBy]: key }, properties: [] };
  }
  return none;
}

/** Link to the requests of one chart bucket (and one series when grouped). */
export function bucketHref(groupBy: GroupBy, key: string, bucketStart: number, intervalMs: number): string {
  return requestsHref({ ...emptyFilters({ from: bucketStart, to: bucketStart + intervalMs }), ...groupFilters(groupBy, key) });
}
