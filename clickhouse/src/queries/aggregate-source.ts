import type { RequestFilter, TimeRange } from '../analytics.ts';
import type { ParamValue } from '../driver/driver.ts';
import { canUseRollups, ERROR_CONDITION, filterConditions } from './request-filter.ts';
import { planSegments, type RollupLevel, type Segment } from './rollup-segments.ts';

/** A grouping column as SQL that reads the same on the raw table and on the rollups. */
export interface GroupExpression {
  sql: string;
  params: Record<string, ParamValue>;
  /** False for columns the rollups do not hold (user_id, properties). */
  inRollups: boolean;
}

/**
 * The partial aggregates a source can carry, each as the raw table computes it, as the
 * rollups store it, and as the caller merges it. Alias names differ from the merged output
 * names used by callers (ClickHouse resolves an alias before a column of the same name).
 */
export const AGGREGATES = {
  requests: { raw: 'count()', rollup: 'requests', merge: 'sum(requests)' },
  errors: { raw: `countIf(${ERROR_CONDITION})`, rollup: 'errors', merge: 'sum(errors)' },
  cost_usd: { raw: 'sum(cost_usd)', rollup: 'cost_usd', merge: 'sum(cost_usd)' },
  prompt_tokens: { raw: 'sum(prompt_tokens)', rollup: 'prompt_tokens', merge: 'sum(prompt_tokens)' },
  completion_tokens: { raw: 'sum(completion_tokens)', rollup: 'completion_tokens', merge: 'sum(completion_tokens)' },
  cache_read_tokens: { raw: 'sum(cache_read_tokens)', rollup: 'cache_read_tokens', merge: 'sum(cache_read_tokens)' },
  cost_saved_usd: { raw: 'sum(cost_saved_usd)', rollup: 'cost_saved_usd', merge: 'sum(cost_saved_usd)' },
  cache_hits: { raw: "countIf(cache_status = 'hit')", rollup: "if(cache_status = 'hit', requests, 0)", merge: 'sum(cache_hits)' },
  /** [p50, p95]; NaN (JSON null) without rows. */
  latency: { raw: 'quantilesTDigestState(0.5, 0.95)(latency_ms)', rollup: 'latency_digest', merge: 'quantilesTDigestMerge(0.5, 0.95)(latency)' },
  ttft: { raw: 'quantilesTDigestState(0.5, 0.95)(ttft_ms)', rollup: 'ttft_digest', merge: 'quantilesTDigestMerge(0.5, 0.95)(ttft)' },
} as const;
export type Aggregate = keyof typeof AGGREGATES;
export const ALL_AGGREGATES = Object.keys(AGGREGATES) as Aggregate[];

export interface AggregateSourceSpec {
  filter: RequestFilter;
  /** Each window's rows carry its index in column `w` (summary: current and previous). */
  windows: TimeRange[];
  /** The partial aggregates to carry: t-digest states cost far more to build than sums. */
  aggregates: readonly Aggregate[];
  /** Buckets rows by start time into column `t` (epoch ms); without it `t` is 0. */
  bucketMs?: number;
  /** Groups rows into column `g`; without it `g` is ''. */
  group?: GroupExpression;
  /** Rollup levels usable for this bucketing, coarsest first. */
  levels: readonly RollupLevel[];
}

/**
 * Partial aggregates over the windows as one UNION ALL: columns w, t, g and one per
 * requested aggregate. Rollup segments are read as stored; raw segments are aggregated into
 * the same states, so the caller merges both with AGGREGATES[name].merge.
 *
 * Like the rollups, raw segments count every stored copy (no FINAL), so a number does not
 * change with the part of the range it falls in.
 */
/**
 * A rollup bound as its 32-bit `bucket` takes it. A later one is clamped to the last second: a
 * UInt32 parameter would wrap to a time in the past, and no event is stored later (the
 * contract's CREATED_AT_MAX).
 */
const bucketSeconds = (ms: number) => Math.min(ms / 1000, 0xffff_ffff);

export function aggregateSource(spec: AggregateSourceSpec): { sql: string; params: Record<string, ParamValue> } {
  const filter = filterConditions(spec.filter);
  const params: Record<string, ParamValue> = { ...filter.params, ...spec.group?.params };
  if (spec.bucketMs !== undefined) params.bucketMs = spec.bucketMs;
  const rollups = canUseRollups(spec.filter) && (spec.group?.inRollups ?? true);
  const parts: string[] = [];
  spec.windows.forEach((window, w) => {
    for (const segment of planSegments(window.from, window.to, rollups ? spec.levels : [])) {
      const n = parts.length;
      params[`s${n}From`] = segment.source === 'requests' ? segment.from : bucketSeconds(segment.from);
      params[`s${n}To`] = segment.source === 'requests' ? segment.to : bucketSeconds(segment.to);
      parts.push(segmentSql(segment, n, w, spec, filter.conditions));
    }
  });
  return { sql: parts.join('\nUNION ALL\n'), params };
}

function segmentSql(segment: Segment, n: number, w: number, spec: AggregateSourceSpec, conditions: string[]): string {
  const g = spec.group?.sql ?? "''";
  const raw = segment.source === 'requests';
  const columns = spec.aggregates.map((name) => `${AGGREGATES[name][raw ? 'raw' : 'rollup']} AS ${name}`).join(', ');
  if (raw) {
    const t = spec.bucketMs === undefined ? 'toInt64(0)' : 'intDiv(toUnixTimestamp64Milli(created_at), {bucketMs:Int64}) * {bucketMs:Int64}';
    return `SELECT toUInt8(${w}) AS w, ${t} AS t, ${g} AS g, ${columns}
FROM requests
WHERE ${conditions.join(' AND ')}
  AND created_at >= fromUnixTimestamp64Milli({s${n}From:Int64}, 'UTC') AND created_at < fromUnixTimestamp64Milli({s${n}To:Int64}, 'UTC')
GROUP BY w, t, g`;
  }
  const t = spec.bucketMs === undefined ? 'toInt64(0)' : 'intDiv(toInt64(toUnixTimestamp(bucket)) * 1000, {bucketMs:Int64}) * {bucketMs:Int64}';
  return `SELECT toUInt8(${w}) AS w, ${t} AS t, ${g} AS g, ${columns}
FROM ${segment.source}
WHERE ${conditions.join(' AND ')}
  AND bucket >= toDateTime({s${n}From:UInt32}, 'UTC') AND bucket < toDateTime({s${n}To:UInt32}, 'UTC')`;
}

/** A JSON number that may arrive quoted (64-bit integers from a server) or as null (NaN). */
export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
