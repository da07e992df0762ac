export type { ReportTemplate } from '@periscope/contract/api';
import type { ReportTemplate } from '@periscope/contract/api';

const RANGE = 'created_at >= {from:DateTime} AND created_at < {to:DateTime}';
const BUCKET_RANGE = 'bucket >= {from:DateTime} AND bucket < {to:DateTime}';

/** Spend per period by a dimension the hourly rollup keeps (fast at any range). */
const rollupSpend = (by: 'project_id' | 'key_id' | 'model', period: 'day' | 'month') => `SELECT
    ${period === 'day' ? 'toDate(bucket)' : 'toStartOfMonth(bucket)'} AS ${period},
    ${by},
    sum(requests) AS requests,
    round(sum(cost_usd), 4) AS cost_usd,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens
FROM requests_1h
WHERE ${BUCKET_RANGE}
GROUP BY ${period}, ${by}
ORDER BY ${period}, cost_usd DESC`;

/** Users are not in the rollups (too many): this one reads the log. */
const userSpend = (period: 'day' | 'month') => `SELECT
    ${period === 'day' ? 'toDate(created_at)' : 'toStartOfMonth(created_at)'} AS ${period},
    user_id,
    count() AS requests,
    round(sum(cost_usd), 4) AS cost_usd,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens
FROM requests
WHERE ${RANGE}
GROUP BY ${period}, user_id
ORDER BY ${period}, cost_usd DESC`;

const DIMENSIONS = [
  { by: 'project_id', label: 'project' },
  { by: 'key_id', label: 'gateway key' },
  { by: 'model', label: 'model' },
] as const;

export const REPORT_TEMPLATES: readonly ReportTemplate[] = [
  ...DIMENSIONS.flatMap(({ by, label }) =>
    (['day', 'month'] as const).map((period) => ({
      id: `spend-by-${by.replace('_id', '')}-per-${period}`,
      name: `Spend by ${label} per ${period}`,
      description: `Calls, cost and tokens per ${period} and ${label} (hourly rollup).`,
      sql: rollupSpend(by, period),
    })),
  ),
  ...(['day', 'month'] as const).map((period) => ({
    id: `spend-by-user-per-${period}`,
    name: `Spend by user per ${period}`,
    description: `Calls, cost and tokens per ${period} and Periscope-User-Id.`,
    sql: userSpend(period),
  })),
  {
    id: 'latency-by-model',
    name: 'Latency percentiles by model',
    description: 'p50 / p90 / p95 / p99 latency and time to first token of successful calls, per model.',
    sql: `SELECT
    model,
    count() AS requests,
    round(quantile(0.5)(latency_ms)) AS p50_ms,
    round(quantile(0.9)(latency_ms)) AS p90_ms,
    round(quantile(0.95)(latency_ms)) AS p95_ms,
    round(quantile(0.99)(latency_ms)) AS p99_ms,
    round(quantileIf(0.95)(ttft_ms, streamed)) AS ttft_p95_ms
FROM requests
WHERE ${RANGE} AND status < 400 AND status != 0
GROUP BY model
ORDER BY requests DESC`,
  },
  {
    id: 'errors-by-provider-status',
    name: 'Errors by provider and status',
    description: 'Failed calls per provider, HTTP status and error type, with their share of the provider’s calls.',
    sql: `SELECT
    provider,
    status,
    error_type,
    count() AS errors,
    round(100 * count() / any(provider_calls), 2) AS pct_of_provider_calls,
    any(error_message) AS example_message
FROM requests
INNER JOIN (
    SELECT provider, count() AS provider_calls FROM requests WHERE ${RANGE} GROUP BY provider
) AS totals USING provider
WHERE ${RANGE} AND (status >= 400 OR status = 0 OR error_type != '')
GROUP BY provider, status, error_type
ORDER BY errors DESC`,
  },
  {
    id: 'cache-savings',
    name: 'Cache savings per day',
    description: 'Response-cache hits and the cost they saved, and provider prompt-cache reads, per day.',
    sql: `SELECT
    toDate(created_at) AS day,
    count() AS requests,
    countIf(cache_status = 'hit') AS cache_hits,
    round(100 * countIf(cache_status = 'hit') / count(), 2) AS hit_rate_pct,
    round(sum(cost_saved_usd), 4) AS saved_usd,
    sum(cache_read_tokens) AS prompt_cache_read_tokens,
    round(100 * sum(cache_read_tokens) / greatest(sum(prompt_tokens), 1), 2) AS prompt_cache_read_pct
FROM requests
WHERE ${RANGE}
GROUP BY day
ORDER BY day`,
  },
  {
    id: 'top-sessions-by-cost',
    name: 'Top sessions by cost',
    description: 'The 100 most expensive sessions with their calls, users and duration.',
    sql: `SELECT
    session_id,
    any(session_name) AS name,
    any(user_id) AS user_id,
    count() AS requests,
    round(sum(cost_usd), 4) AS cost_usd,
    min(created_at) AS started,
    dateDiff('second', min(created_at), max(created_at)) AS duration_s
FROM requests
WHERE ${RANGE} AND session_id != ''
GROUP BY session_id
ORDER BY cost_usd DESC
LIMIT 100`,
  },
];
