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

export interface AggregateSourceSpec {
  filter: RequestFilter;
  /** Each window's rows carry its index in column `w` (summary: current and previous). */
  windows: TimeRange[];
  /** Buckets rows by start time into column `t` (epoch ms); without it `t` is 0. */
  bucketMs?: number;
  /** Groups rows into column `g`; without it `g` is ''. */
  group?: GroupExpression;
  /** Rollup levels usable for this bucketing, coarsest first. */
  levels: readonly RollupLevel[];
}

/**
 * Partial aggregates over the windows as one UNION ALL, in the rollups' shape: columns w, t,
 * g, cache_status, requests, errors, cost_usd, prompt_tokens, completion_tokens,
 * cache_read_tokens, cost_saved_usd, latency_digest, ttft_digest. Rollup segments are read
 * as stored; raw segments are aggregated into the same states, so the caller merges both
 * with one set of -Merge functions (MERGED below).
 *
 * Like the rollups, raw segments count every stored copy (no FINAL), so a number does not
 * change with the part of the range it falls in.
 */
export function aggregateSource(spec: AggregateSourceSpec): { sql: string; params: Record<string, ParamValue> } {
  const filter = filterConditions(spec.filter);
  const params: Record<string, ParamValue> = { ...filter.params, ...spec.group?.params };
  if (spec.bucketMs !== undefined) params.bucketMs = spec.bucketMs;
  const rollups = canUseRollups(spec.filter) && (spec.group?.inRollups ?? true);
  const parts: string[] = [];
  spec.windows.forEach((window, w) => {
    for (const segment of planSegments(window.from, window.to, rollups ? spec.levels : [])) {
      const n = parts.length;
      params[`s${n}From`] = segment.source === 'requests' ? segment.from : segment.from / 1000;
      params[`s${n}To`] = segment.source === 'requests' ? segment.to : segment.to / 1000;
      parts.push(segmentSql(segment, n, w, spec, filter.conditions));
    }
  });
  return { sql: parts.join('\nUNION ALL\n'), params };
}

function segmentSql(segment: Segment, n: number, w: number, spec: AggregateSourceSpec, conditions: string[]): string {
  const g = spec.group?.sql ?? "''";
  if (segment.source === 'requests') {
    const t = spec.bucketMs === undefined ? 'toInt64(0)' : 'intDiv(toUnixTimestamp64Milli(created_at), {bucketMs:Int64}) * {bucketMs:Int64}';
    return `SELECT toUInt8(${w}) AS w, ${t} AS t, ${g} AS g, cache_status,
       count() AS requests, countIf(${ERROR_CONDITION}) AS errors, sum(cost_usd) AS cost_usd,
       sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
       sum(cache_read_tokens) AS cache_read_tokens, sum(cost_saved_usd) AS cost_saved_usd,
       quantilesTDigestState(0.5, 0.95)(latency_ms) AS latency_digest,
       quantilesTDigestState(0.5, 0.95)(ttft_ms) AS ttft_digest
FROM requests
WHERE ${conditions.join(' AND ')}
  AND created_at >= fromUnixTimestamp64Milli({s${n}From:Int64}, 'UTC') AND created_at < fromUnixTimestamp64Milli({s${n}To:Int64}, 'UTC')
GROUP BY w, t, g, cache_status`;
  }
  const t = spec.bucketMs === undefined ? 'toInt64(0)' : 'intDiv(toInt64(toUnixTimestamp(bucket)) * 1000, {bucketMs:Int64}) * {bucketMs:Int64}';
  return `SELECT toUInt8(${w}) AS w, ${t} AS t, ${g} AS g, cache_status,
       requests, errors, cost_usd, prompt_tokens, completion_tokens, cache_read_tokens, cost_saved_usd,
       latency_digest, ttft_digest
FROM ${segment.source}
WHERE ${conditions.join(' AND ')}
  AND bucket >= toDateTime({s${n}From:UInt32}, 'UTC') AND bucket < toDateTime({s${n}To:UInt32}, 'UTC')`;
}

/**
 * The merge of each partial aggregate over an aggregateSource. Aliases of these must not
 * reuse the column names: ClickHouse resolves an alias before a column of the same name.
 */
export const MERGED = {
  requests: 'sum(requests)',
  errors: 'sum(errors)',
  cost_usd: 'sum(cost_usd)',
  prompt_tokens: 'sum(prompt_tokens)',
  completion_tokens: 'sum(completion_tokens)',
  cache_read_tokens: 'sum(cache_read_tokens)',
  cost_saved_usd: 'sum(cost_saved_usd)',
  cache_hits: "sumIf(requests, cache_status = 'hit')",
  /** [p50, p95]; NaN (JSON null) without rows. */
  latency: 'quantilesTDigestMerge(0.5, 0.95)(latency_digest)',
  ttft: 'quantilesTDigestMerge(0.5, 0.95)(ttft_digest)',
} as const;

/** A JSON number that may arrive quoted (64-bit integers from a server) or as null (NaN). */
export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
