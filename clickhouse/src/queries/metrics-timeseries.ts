import {
  GROUP_BY_COLUMNS, TIMESERIES_METRICS, type GroupBy, type Series, type Timeseries, type TimeseriesMetric,
  type TimeseriesQuery,
} from '../analytics.ts';
import type { Driver } from '../driver/driver.ts';
import { AGGREGATES, aggregateSource, numberOrNull, type Aggregate, type GroupExpression } from './aggregate-source.ts';
import { isoOf } from './datetime.ts';
import { levelsFor } from './rollup-segments.ts';
import { bucketStarts, intervalMs } from './time-buckets.ts';
import { checkRange, invalid } from './validate.ts';

/** Series past this many groups fold into one "other" series. */
export const TOP_GROUPS = 10;

interface MetricDefinition {
  sql: string;
  /** The partial aggregates `sql` merges. */
  uses: Aggregate[];
  /** For sums: the metric's share in one source row, whose sum over a group ranks the groups. */
  rowValue?: string;
  /** Sums: a bucket without rows is 0, and groups rank by the metric. Rates and percentiles: null, and groups rank by requests. */
  additive: boolean;
}

const merged = (name: Aggregate) => AGGREGATES[name].merge;
const sum = (name: Aggregate): MetricDefinition => ({ sql: merged(name), uses: [name], rowValue: name, additive: true });
const rate = (numerator: Aggregate, denominator: Aggregate): MetricDefinition => ({
  sql: `if(${merged(denominator)} = 0, NULL, ${merged(numerator)} / ${merged(denominator)})`,
  uses: [numerator, denominator],
  additive: false,
});
const percentile = (digest: 'latency' | 'ttft', index: 1 | 2): MetricDefinition => ({ sql: `${merged(digest)}[${index}]`, uses: [digest], additive: false });

const METRICS: Record<TimeseriesMetric, MetricDefinition> = {
  requests: sum('requests'),
  cost: sum('cost_usd'),
  tokens: {
    sql: `${merged('prompt_tokens')} + ${merged('completion_tokens')}`, uses: ['prompt_tokens', 'completion_tokens'],
    rowValue: 'prompt_tokens + completion_tokens', additive: true,
  },
  errors: sum('errors'),
  error_rate: rate('errors', 'requests'),
  latency_p50: percentile('latency', 1),
  latency_p95: percentile('latency', 2),
  ttft_p95: percentile('ttft', 2),
  cache_hit_rate: rate('cache_hits', 'requests'),
  prompt_cache_hit_rate: rate('cache_read_tokens', 'prompt_tokens'),
  cost_saved: sum('cost_saved_usd'),
};

export const NONE_KEY = '(none)';
export const OTHER_KEY = 'other';
export const ALL_KEY = 'all';

interface SeriesRow {
  t: number | string;
  in_top: number | boolean;
  k: string;
  is_total: number | string;
  v: unknown;
  n: number | string;
}

/**
 * One metric per time bucket, optionally per group: the top 10 groups (by the metric for
 * sums, by requests otherwise) and "other" for the rest, merged from the same partial
 * aggregates so "other" is exact for percentiles too. Every series has every bucket.
 */
export async function metricsTimeseries(driver: Driver, q: TimeseriesQuery): Promise<Timeseries> {
  const range = checkRange(q);
  if (!TIMESERIES_METRICS.includes(q.metric)) throw invalid(`metric must be one of ${TIMESERIES_METRICS.join(', ')}`);
  const metric = METRICS[q.metric];
  const bucketMs = intervalMs(range, q.interval);
  const group = groupExpression(q.group_by ?? 'none');
  const starts = bucketStarts(range, bucketMs);
  const result: Timeseries = { metric: q.metric, interval_ms: bucketMs, from: isoOf(range.from), to: isoOf(range.to), series: [] };
  if (q.projectIds.length === 0) {
    if (!group) result.series = [filledSeries(ALL_KEY, metric, starts, new Map(), metric.additive ? 0 : null)];
    return result;
  }

  const source = aggregateSource({
    filter: q, windows: [range], bucketMs, group, levels: levelsFor(bucketMs),
    aggregates: [...new Set<Aggregate>(['requests', ...metric.uses])],
  });
  // Groups rank by their total over the range, taken with window functions over the same
  // partial aggregates, so the range is read once however many groups there are.
  const ranked = group
    ? `SELECT *, dense_rank() OVER (ORDER BY group_total DESC, g) <= ${TOP_GROUPS} AS in_top
       FROM (SELECT *, sum(toFloat64(${metric.rowValue ?? 'requests'})) OVER (PARTITION BY g) AS group_total FROM (${source.sql}))`
    : `SELECT *, 1 AS in_top FROM (${source.sql})`;
  const rows = await driver.query<SeriesRow>(
    `SELECT t, in_top, k, grouping(t) AS is_total, ${metric.sql} AS v, ${merged('requests')} AS n
     FROM (SELECT *, if(in_top, g, '') AS k FROM (${ranked}))
     GROUP BY GROUPING SETS ((t, in_top, k), (in_top, k))`,
    source.params,
  );

  const byKey = new Map<string, { total: number | null; requests: number; points: Map<number, number | null> }>();
  for (const row of rows) {
    const key = !group ? ALL_KEY : Number(row.in_top) ? row.k || NONE_KEY : OTHER_KEY;
    const entry = byKey.get(key) ?? { total: null, requests: 0, points: new Map() };
    byKey.set(key, entry);
    if (Number(row.is_total)) {
      entry.total = numberOrNull(row.v);
      entry.requests = Number(row.n);
    } else {
      entry.points.set(Number(row.t), numberOrNull(row.v));
    }
  }
  if (!group && byKey.size === 0) byKey.set(ALL_KEY, { total: metric.additive ? 0 : null, requests: 0, points: new Map() });
  const rank = (e: { total: number | null; requests: number }) => (metric.additive ? (e.total ?? 0) : e.requests);
  result.series = [...byKey.entries()]
    .sort(([ka, a], [kb, b]) => Number(ka === OTHER_KEY) - Number(kb === OTHER_KEY) || rank(b) - rank(a) || ka.localeCompare(kb))
    .map(([key, e]) => filledSeries(key, metric, starts, e.points, e.total));
  return result;
}

function filledSeries(key: string, metric: MetricDefinition, starts: number[], points: Map<number, number | null>, total: number | null): Series {
  const empty = metric.additive ? 0 : null;
  return { key, total, points: starts.map((t) => ({ t: isoOf(t), v: points.get(t) ?? empty })) };
}

/** undefined for `none`. */
export function groupExpression(groupBy: GroupBy): GroupExpression | undefined {
  if (groupBy === 'none') return undefined;
  if (groupBy.startsWith('property:')) {
    const name = groupBy.slice('property:'.length);
    if (!name) throw invalid('group_by property:<name> needs a property name');
    return { sql: 'properties[{groupProperty:String}]', params: { groupProperty: name }, inRollups: false };
  }
  if (!(GROUP_BY_COLUMNS as readonly string[]).includes(groupBy)) {
    throw invalid(`group_by must be one of ${GROUP_BY_COLUMNS.join(', ')} or property:<name>`);
  }
  if (groupBy === 'status_class') return { sql: "concat(toString(intDiv(status, 100)), 'xx')", params: {}, inRollups: true };
  return { sql: groupBy, params: {}, inRollups: groupBy !== 'user_id' };
}
