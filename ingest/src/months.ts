/**
 * The table's partition is the UTC month (toYYYYMM(created_at)). An insert into two months makes
 * a part in each, and the engine commits them one after the other: a kill between the first's
 * part and the second's (its token taken, its part not in) leaves nothing a restart can tell
 * apart from a stored insert, so the rollups would count the second month twice. Both ingests
 * therefore insert one month at a time, each under a token of its own.
 */

/** The UTC month of a time, as the table's partition key names it (toYYYYMM). */
export function monthOf(ms: number): number {
  const date = new Date(ms);
  return date.getUTCFullYear() * 100 + date.getUTCMonth() + 1;
}

export function spansMonths<T>(items: readonly T[], timeOf: (item: T) => number): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const item of items) {
    const time = timeOf(item);
    lo = Math.min(lo, time);
    hi = Math.max(hi, time);
  }
  return items.length > 0 && monthOf(lo) !== monthOf(hi);
}

/** Items grouped by the month of their time, in order of first appearance. */
export function byMonth<T>(items: readonly T[], timeOf: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const month = monthOf(timeOf(item));
    const group = groups.get(month);
    if (group) group.push(item);
    else groups.set(month, [item]);
  }
  return groups;
}
