import { ALERT_AGGREGATES, ALERT_PERCENTILES, type AlertGroupBy, type AlertObservation, type AlertQuery } from '../alerts.ts';
import type { Driver } from '../driver/driver.ts';
import type { TimeRange } from '../analytics.ts';
import { AGGREGATES, aggregateSource, numberOrNull, type Aggregate, type GroupExpression } from './aggregate-source.ts';
import { groupExpression } from './metrics-timeseries.ts';
import { filterConditions, rawTimeConditions } from './request-filter.ts';
import { ROLLUP_LEVELS } from './rollup-segments.ts';
import { checkRange, integer, invalid } from './validate.ts';

/** An evaluation that runs longer is cut off: the next tick tries again rather than piling up. */
const MAX_EXECUTION_SECONDS = 20;
const MAX_GROUPS = 1000;

interface ObservationRow {
  g: string;
  v: unknown;
  n: number | string;
}

/**
 * One rule's value over its window, per group, in a single query bounded in groups and in
 * time. Sums, rates, p50 and p95 read the overview's partial aggregates (rollups for whole
 * minutes and hours, the raw table for the edges), so an alert and the chart it links to
 * agree; other percentiles read the raw table, because a rollup's t-digest keeps the levels
 * it was built with (ClickHouse refuses to merge a Nullable TTFT digest at another level).
 */
export async function evaluateAlert(driver: Driver, q: AlertQuery): Promise<AlertObservation[]> {
  const range = checkRange(q);
  const metric = aggregateSql(q.aggregate);
  const minRequests = integer('minRequests', q.minRequests, 1_000_000_000);
  const maxGroups = Math.max(1, Math.min(MAX_GROUPS, integer('maxGroups', q.maxGroups, MAX_GROUPS)));
  const group = alertGroupExpression(q.group_by ?? []);
  if (q.filter.projectIds.length === 0) return emptyWindow(group, minRequests, metric.additive);

  const source = 'raw' in metric ? rawSource(q, range, group, metric.raw) : aggregateSource({
    filter: q.filter, windows: [range], group, levels: ROLLUP_LEVELS,
    aggregates: [...new Set<Aggregate>(['requests', ...metric.uses])],
  });
  const having = [`n >= {minRequests:UInt64}`, ...(q.skipEmptyGroup ? ["g != ''"] : [])];
  // NaN (a rate or percentile without data) sorts last either way, so real breaches come first.
  const rows = await driver.query<ObservationRow>(
    `SELECT g, ${metric.sql} AS v, sum(requests) AS n
     FROM (${source.sql})
     GROUP BY g
     HAVING ${having.join(' AND ')}
     ORDER BY isNaN(toFloat64(v)), v ${q.order === 'asc' ? 'ASC' : 'DESC'}, g
     LIMIT {maxGroups:UInt32}
     SETTINGS max_execution_time = ${MAX_EXECUTION_SECONDS}`,
    { ...source.params, minRequests, maxGroups },
  );
  if (rows.length === 0 && !group) return emptyWindow(group, minRequests, metric.additive);
  return rows.map((row) => ({ group: row.g, value: numberOrNull(row.v), requests: Number(row.n) }));
}

/** The raw rows of the window as columns g, requests and `value` (one row per call). */
function rawSource(q: AlertQuery, range: TimeRange, group: GroupExpression | undefined, column: string) {
  const filter = filterConditions(q.filter);
  const time = rawTimeConditions(range.from, range.to);
  return {
    sql: `SELECT ${group?.sql ?? "''"} AS g, 1 AS requests, ${column} AS value FROM requests
          WHERE ${[...filter.conditions, ...time.conditions].join(' AND ')}`,
    params: { ...filter.params, ...time.params, ...group?.params },
  };
}

/** A window without rows: a sum is 0 there (so `requests < 10` can fire on silence), a rate has no value. */
function emptyWindow(group: GroupExpression | undefined, minRequests: number, additive: boolean): AlertObservation[] {
  if (group || minRequests > 0) return [];
  return [{ group: '', value: additive ? 0 : null, requests: 0 }];
}

/** The overview's grouping for one column; several are joined into "a / b". */
export function alertGroupExpression(columns: readonly AlertGroupBy[]): GroupExpression | undefined {
  const parts = columns.map((c) => (c === 'project_id' ? { sql: 'project_id', params: {}, inRollups: true } : groupExpression(c)));
  if (parts.some((p) => p === undefined)) throw invalid('group_by none cannot be combined');
  if (columns.filter((c) => c.startsWith('property:')).length > 1) throw invalid('group_by takes at most one property');
  const list = parts as GroupExpression[];
  if (list.length <= 1) return list[0];
  return {
    sql: `concat(${list.map((p) => p.sql).join(", ' / ', ")})`,
    params: Object.assign({}, ...list.map((p) => p.params)) as GroupExpression['params'],
    inRollups: list.every((p) => p.inRollups),
  };
}

type MetricSql = { sql: string; additive: boolean } & ({ uses: readonly Aggregate[] } | { raw: string });

function aggregateSql(aggregate: AlertQuery['aggregate']): MetricSql {
  if (Object.hasOwn(ALERT_AGGREGATES, aggregate)) return ALERT_AGGREGATES[aggregate as keyof typeof ALERT_AGGREGATES];
  const m = /^(latency|ttft)_p(\d+)$/.exec(aggregate);
  const percentile = m ? Number(m[2]) : NaN;
  if (!m || !(ALERT_PERCENTILES as readonly number[]).includes(percentile)) {
    throw invalid(`unknown alert aggregate ${aggregate}`);
  }
  const digest = m[1] as 'latency' | 'ttft';
  if (percentile === 50 || percentile === 95) {
    return { sql: `${AGGREGATES[digest].merge}[${percentile === 50 ? 1 : 2}]`, uses: [digest], additive: false };
  }
  return { sql: `quantileTDigest(${percentile / 100})(value)`, raw: `${digest}_ms`, additive: false };
}
