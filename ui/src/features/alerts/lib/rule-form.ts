import type { Metric } from '../../../api-types.ts';
import { formatCost, formatInteger, formatPercent } from '../../../lib/format.ts';
import type { AlertMetric, AlertRule, AlertRuleInput, BudgetInfo, Channel, Comparator, Severity } from '../api/types.ts';

/** The vocabularies the API accepts, from the contract (the first aggregation of a metric is its default). */
export { AGGREGATIONS, ALERT_METRICS as METRICS, COMPARATORS, SEVERITIES, TOKEN_KINDS } from '@periscope/contract/api';
export const GROUP_COLUMNS = ['model', 'provider', 'key_id', 'user_id', 'status_class'] as const;
export const FILTER_FIELDS = ['model', 'provider', 'status_class', 'key_id', 'user_id'] as const;
export const WINDOWS = ['5m', '15m', '30m', '1h', '6h', '24h', '7d', '30d'] as const;
export const INTERVALS = ['10s', '30s', '1m', '5m', '15m', '1h'] as const;

/** Rates are ratios in the API and percentages on screen. */
export const isPercent = (m: AlertMetric): boolean => m === 'error_rate' || m === 'cache_hit_rate' || m === 'prompt_cache_hit_rate' || m === 'budget_used';

export type ChannelForm =
  | { type: 'webhook'; url: string; secret: string }
  | { type: 'slack'; url: string }
  | { type: 'email'; to: string; smtp?: Extract<Channel, { type: 'email' }>['smtp'] };

/** The editor's state: strings as typed, converted once on save. */
export interface RuleForm {
  name: string;
  /** '' = every project (admins). */
  project: string;
  enabled: boolean;
  metric: AlertMetric;
  aggregation: string;
  tokenKind: string;
  /** Key of the chosen budget (budgetKey). */
  budget: string;
  filters: Record<(typeof FILTER_FIELDS)[number], string>;
  /** `team=search, env=prod`. */
  properties: string;
  /** '' = none, a column, or 'property'. */
  groupBy: string;
  groupProperty: string;
  window: string;
  comparator: Comparator;
  threshold: string;
  minRequests: string;
  interval: string;
  resolveAfter: string;
  /** '' = never. */
  renotify: string;
  severity: Severity;
  channels: ChannelForm[];
  /** The version being edited (updates only). */
  version?: number;
}

export const budgetKey = (b: Pick<BudgetInfo, 'match' | 'period'>): string =>
  `${b.period}:${Object.entries(b.match).sort(([a], [c]) => a.localeCompare(c)).map(([k, v]) => `${k}=${v}`).join(',')}`;

export function emptyForm(project: string): RuleForm {
  return {
    name: '', project, enabled: true, metric: 'cost', aggregation: 'sum', tokenKind: 'total', budget: '',
    filters: { model: '', provider: '', status_class: '', key_id: '', user_id: '' }, properties: '', groupBy: '', groupProperty: '',
    window: '5m', comparator: '>', threshold: '', minRequests: '1', interval: '1m', resolveAfter: '', renotify: '4h', severity: 'warning',
    channels: [{ type: 'webhook', url: '', secret: '' }],
  };
}

export function formOf(rule: AlertRule): RuleForm {
  const filters = { ...emptyForm('').filters };
  const properties: string[] = [];
  for (const [k, v] of Object.entries(rule.filter)) {
    if (k.startsWith('property.')) properties.push(`${k.slice('property.'.length)}=${v}`);
    else if (k in filters) filters[k as keyof typeof filters] = v;
  }
  const property = rule.group_by?.startsWith('property:') ? rule.group_by.slice('property:'.length) : '';
  return {
    name: rule.name, project: rule.project ?? '', enabled: rule.enabled, metric: rule.metric, aggregation: rule.aggregation,
    tokenKind: rule.token_kind ?? 'total', budget: rule.budget ? budgetKey(rule.budget) : '', filters, properties: properties.join(', '),
    groupBy: property ? 'property' : rule.group_by ?? '', groupProperty: property, window: rule.window, comparator: rule.comparator,
    threshold: String(isPercent(rule.metric) ? round(rule.threshold * 100) : rule.threshold), minRequests: String(rule.min_requests),
    interval: rule.interval, resolveAfter: rule.resolve_after, renotify: rule.renotify ?? '', severity: rule.severity,
    channels: rule.channels.map((c) => (c.type === 'webhook' ? { type: 'webhook', url: c.url, secret: c.secret ?? '' }
      : c.type === 'slack' ? { type: 'slack', url: c.url } : { type: 'email', to: c.to.join(', '), smtp: c.smtp })),
    version: rule.version,
  };
}

const round = (n: number) => Math.round(n * 1e9) / 1e9;

/** The API body, or a message naming the first field that cannot be sent as is. */
export function inputOf(f: RuleForm, budgets: readonly BudgetInfo[] = []): { input: AlertRuleInput } | { error: 'threshold' | 'budget' | 'property' } {
  const threshold = Number(f.threshold);
  if (f.threshold.trim() === '' || !Number.isFinite(threshold)) return { error: 'threshold' };
  const filter: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.filters)) if (v.trim()) filter[k] = v.trim();
  for (const pair of f.properties.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return { error: 'property' };
    filter[`property.${pair.slice(0, eq).trim()}`] = pair.slice(eq + 1).trim();
  }
  const input: AlertRuleInput = {
    name: f.name.trim(), project: f.project.trim() || null, enabled: f.enabled, metric: f.metric, aggregation: f.aggregation,
    filter, group_by: f.groupBy === 'property' ? (f.groupProperty.trim() ? `property:${f.groupProperty.trim()}` : null) : f.groupBy || null,
    window: f.window, comparator: f.comparator, threshold: isPercent(f.metric) ? round(threshold / 100) : threshold,
    min_requests: Math.max(0, Math.trunc(Number(f.minRequests) || 0)), interval: f.interval, resolve_after: f.resolveAfter || f.interval,
    renotify: f.renotify || null, severity: f.severity,
    channels: f.channels.map((c): Channel => (c.type === 'webhook' ? { type: 'webhook', url: c.url.trim(), ...(c.secret ? { secret: c.secret } : {}) }
      : c.type === 'slack' ? { type: 'slack', url: c.url.trim() }
      : { type: 'email', to: c.to.split(/[\s,;]+/).filter(Boolean), ...(c.smtp ? { smtp: c.smtp } : {}) })),
    ...(f.version === undefined ? {} : { version: f.version }),
  };
  if (f.metric === 'tokens') input.token_kind = f.tokenKind;
  if (f.metric === 'budget_used') {
    const budget = budgets.find((b) => budgetKey(b) === f.budget);
    if (!budget) return { error: 'budget' };
    input.budget = { match: budget.match, period: budget.period };
    input.filter = {};
    input.group_by = null;
    delete input.window;
  }
  return { input };
}

/** A value in the metric's own unit: $, %, ms or a count. */
export function formatMetric(metric: AlertMetric, value: number | null | undefined): string {
  if (value == null) return '—';
  if (metric === 'cost') return formatCost(value);
  if (isPercent(metric)) return formatPercent(value);
  if (metric === 'latency' || metric === 'ttft') return `${formatInteger(value)} ms`;
  return formatInteger(value);
}

/**
 * The overview series that shows a rule's metric (same filters, same partial aggregates), or
 * null where the overview has none (averages, p75/p90/p99, token kinds): the preview then shows
 * the evaluated values only.
 */
export function timeseriesMetricOf(input: Pick<AlertRuleInput, 'metric' | 'aggregation' | 'token_kind'>): Metric | null {
  switch (input.metric) {
    case 'cost': case 'budget_used': return input.aggregation === 'avg' ? null : 'cost';
    case 'requests': return 'requests';
    case 'errors': return 'errors';
    case 'tokens': return input.token_kind === 'total' || input.token_kind === undefined ? 'tokens' : null;
    case 'error_rate': return 'error_rate';
    case 'cache_hit_rate': return 'cache_hit_rate';
    case 'prompt_cache_hit_rate': return 'prompt_cache_hit_rate';
    case 'latency': return input.aggregation === 'p50' ? 'latency_p50' : input.aggregation === 'p95' ? 'latency_p95' : null;
    case 'ttft': return input.aggregation === 'p95' ? 'ttft_p95' : null;
  }
}

/** Sums are compared over the whole window, so the preview draws them cumulatively. */
export const isAdditive = (m: AlertMetric): boolean => m === 'cost' || m === 'requests' || m === 'tokens' || m === 'errors' || m === 'budget_used';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export function durationMs(text: string): number | null {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}
