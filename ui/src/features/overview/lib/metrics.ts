import type { Metric, Summary } from '../../../api-types.ts';
import type { MessageKey } from '../../../lib/i18n/index.tsx';
import { formatCompact, formatCost, formatDuration, formatPercent, formatTokens } from '../../../lib/format.ts';

export interface MetricDef {
  metric: Metric;
  label: MessageKey;
  /** The KPI value of a summary. */
  value: (s: Summary) => number | null;
  format: (v: number | null) => string;
  /** Axis labels: short. */
  axis: (v: number) => string;
  /** true: an increase is good (green), false: bad (red), null: neither. */
  upIsGood: boolean | null;
  /** Additive metrics stack as bars and their series totals add up to the KPI. */
  additive: boolean;
}

const pct = (v: number | null) => formatPercent(v);
const ms = (v: number | null) => formatDuration(v);

export const METRIC_DEFS: MetricDef[] = [
  { metric: 'requests', label: 'metric.requests', value: (s) => s.requests, format: (v) => (v == null ? '—' : formatCompact(v)), axis: formatCompact, upIsGood: true, additive: true },
  { metric: 'cost', label: 'metric.cost', value: (s) => s.cost_usd, format: formatCost, axis: formatCost, upIsGood: false, additive: true },
  { metric: 'tokens', label: 'metric.tokens', value: (s) => s.total_tokens, format: formatTokens, axis: formatCompact, upIsGood: null, additive: true },
  { metric: 'error_rate', label: 'metric.errorRate', value: (s) => s.error_rate, format: pct, axis: (v) => formatPercent(v, 0), upIsGood: false, additive: false },
  { metric: 'latency_p50', label: 'metric.latencyP50', value: (s) => s.latency_p50_ms, format: ms, axis: formatDuration, upIsGood: false, additive: false },
  { metric: 'latency_p95', label: 'metric.latencyP95', value: (s) => s.latency_p95_ms, format: ms, axis: formatDuration, upIsGood: false, additive: false },
  { metric: 'ttft_p95', label: 'metric.ttftP95', value: (s) => s.ttft_p95_ms, format: ms, axis: formatDuration, upIsGood: false, additive: false },
  { metric: 'cache_hit_rate', label: 'metric.cacheHitRate', value: (s) => s.cache_hit_rate, format: pct, axis: (v) => formatPercent(v, 0), upIsGood: true, additive: false },
  { metric: 'prompt_cache_hit_rate', label: 'metric.promptCacheHitRate', value: (s) => s.prompt_cache_hit_rate, format: pct, axis: (v) => formatPercent(v, 0), upIsGood: true, additive: false },
  { metric: 'cost_saved', label: 'metric.costSaved', value: (s) => s.cost_saved_usd, format: formatCost, axis: formatCost, upIsGood: true, additive: true },
];

export const metricDef = (m: Metric): MetricDef => METRIC_DEFS.find((d) => d.metric === m)!;
