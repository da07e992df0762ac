import type { MetricsSummary, RangeQuery, Summary } from '../analytics.ts';
import type { Driver } from '../driver/driver.ts';
import { AGGREGATES, aggregateSource, ALL_AGGREGATES, numberOrNull } from './aggregate-source.ts';
import { isoOf } from './datetime.ts';
import { ROLLUP_LEVELS } from './rollup-segments.ts';
import { checkRange } from './validate.ts';

type MergedRow = { w: number | string } & { [K in keyof typeof AGGREGATES as `m_${K}`]: unknown };

/** The range's KPIs next to those of the window of the same length just before it, in one query. */
export async function metricsSummary(driver: Driver, q: RangeQuery): Promise<MetricsSummary> {
  const { from, to } = checkRange(q);
  const previous = { from: Math.max(0, from - (to - from)), to: from };
  const result = { from: isoOf(from), to: isoOf(to), current: summaryOf(undefined), previous: summaryOf(undefined) };
  if (q.projectIds.length === 0) return result;

  const source = aggregateSource({ filter: q, windows: [{ from, to }, previous], aggregates: ALL_AGGREGATES, levels: ROLLUP_LEVELS });
  const select = ALL_AGGREGATES.map((name) => `${AGGREGATES[name].merge} AS m_${name}`).join(', ');
  const rows = await driver.query<MergedRow>(`SELECT w, ${select} FROM (${source.sql}) GROUP BY w`, source.params);
  for (const row of rows) {
    if (Number(row.w) === 0) result.current = summaryOf(row);
    else result.previous = summaryOf(row);
  }
  return result;
}

/** A window without rows has no merged row: zeros, and null percentiles. */
function summaryOf(row: MergedRow | undefined): Summary {
  const n = (value: unknown) => numberOrNull(value) ?? 0;
  const requests = n(row?.m_requests);
  const errors = n(row?.m_errors);
  const promptTokens = n(row?.m_prompt_tokens);
  const completionTokens = n(row?.m_completion_tokens);
  const cacheHits = n(row?.m_cache_hits);
  const cacheRead = n(row?.m_cache_read_tokens);
  const latency = (row?.m_latency ?? []) as unknown[];
  const ttft = (row?.m_ttft ?? []) as unknown[];
  return {
    requests,
    cost_usd: n(row?.m_cost_usd),
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    errors,
    error_rate: requests > 0 ? errors / requests : 0,
    latency_p50_ms: numberOrNull(latency[0]),
    latency_p95_ms: numberOrNull(latency[1]),
    ttft_p95_ms: numberOrNull(ttft[1]),
    cache_hits: cacheHits,
    cache_hit_rate: requests > 0 ? cacheHits / requests : 0,
    prompt_cache_read_tokens: cacheRead,
    prompt_cache_hit_rate: promptTokens > 0 ? cacheRead / promptTokens : 0,
    cost_saved_usd: n(row?.m_cost_saved_usd),
  };
}
