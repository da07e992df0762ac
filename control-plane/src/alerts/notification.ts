import type { Notification, AlertRule } from '@periscope/contract';

export interface AlertEventView {
  id: string;
  kind: 'firing' | 'resolved' | 'renotify' | 'test';
  group: string;
  value: number | null;
  at: number;
  /** When the group started firing (for resolved: the firing it ends). */
  since: number;
  /** The request log filtered to what the rule watched, over the window that was judged. */
  link: string;
}

const METRIC_LABELS: Record<AlertRule['metric'], string> = {
  cost: 'cost', requests: 'requests', tokens: 'tokens', errors: 'errors', error_rate: 'error rate', latency: 'latency', ttft: 'time to first token',
  cache_hit_rate: 'response-cache hit rate', prompt_cache_hit_rate: 'prompt-cache hit rate', budget_used: 'budget used',
};

/** The webhook body (issue 9's fields first), a one-line title and a readable text, for every channel. */
export function alertNotification(rule: AlertRule, e: AlertEventView): Notification {
  const state = e.kind === 'resolved' ? 'resolved' : 'firing';
  const groupBy = rule.metric === 'budget_used' ? budgetGroupBy(rule) : rule.group_by;
  const json = {
    rule: rule.name,
    state,
    value: e.value,
    threshold: rule.threshold,
    group: groupBy === null ? null : e.group,
    window: rule.window,
    id: e.id,
    rule_id: rule.id,
    rule_version: rule.version,
    project: rule.project,
    metric: rule.metric,
    aggregation: rule.aggregation,
    comparator: rule.comparator,
    group_by: groupBy,
    severity: rule.severity,
    filter: rule.filter,
    ...(rule.budget ? { budget: rule.budget } : {}),
    started_at: new Date(e.since).toISOString(),
    at: new Date(e.at).toISOString(),
    url: e.link,
    repeat: e.kind === 'renotify',
    test: e.kind === 'test',
  };
  const label = `${METRIC_LABELS[rule.metric]} (${describeAggregation(rule)})`;
  const where = groupBy === null ? '' : ` for ${groupBy} = ${e.group || '(none)'}`;
  const value = formatValue(rule, e.value);
  const title = `${e.kind === 'test' ? '[TEST] ' : ''}[${state.toUpperCase()}] ${rule.name}${where}`;
  const lines = [
    state === 'firing'
      ? `${label} is ${value}${where}, past the threshold (${rule.comparator} ${formatValue(rule, rule.threshold)}).`
      : `${label} is back within the threshold (${rule.comparator} ${formatValue(rule, rule.threshold)})${where}: ${value} now.`,
    `Severity: ${rule.severity}. Project: ${rule.project ?? 'all projects'}.`,
    state === 'firing' ? `Firing since ${new Date(e.since).toISOString()}.` : `Fired from ${new Date(e.since).toISOString()} to ${new Date(e.at).toISOString()}.`,
  ];
  if (e.kind === 'test') lines.unshift('This is a test notification; no alert is firing.');
  return { title, text: lines.join('\n'), link: e.link, json };
}

function describeAggregation(rule: AlertRule): string {
  if (rule.metric === 'budget_used') return `${rule.budget?.period ?? ''} budget`;
  const what = rule.metric === 'tokens' ? `${rule.token_kind ?? 'total'}, sum` : rule.aggregation;
  return `${what} over ${rule.window}`;
}

/** The columns a budget counts per value (its `*` dimensions), as the group names them. */
function budgetGroupBy(rule: AlertRule): string | null {
  const dims = Object.entries(rule.budget?.match ?? {}).filter(([, v]) => v === '*').map(([k]) => k);
  return dims.length === 0 ? null : dims.join(' / ');
}

export function formatValue(rule: Pick<AlertRule, 'metric'>, value: number | null): string {
  if (value === null) return 'no data';
  switch (rule.metric) {
    case 'cost': return `$${value.toFixed(value < 1 ? 4 : 2)}`;
    case 'error_rate': case 'cache_hit_rate': case 'prompt_cache_hit_rate': case 'budget_used': return `${(value * 100).toFixed(1)}%`;
    case 'latency': case 'ttft': return `${Math.round(value)} ms`;
    default: return String(Math.round(value * 100) / 100);
  }
}
