import type { Channel } from './channel.ts';

export const ALERT_METRICS = [
  'cost', 'requests', 'tokens', 'errors', 'error_rate', 'latency', 'ttft', 'cache_hit_rate', 'prompt_cache_hit_rate', 'budget_used',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** The aggregations each metric offers; the first is the default. */
export const AGGREGATIONS: Record<AlertMetric, readonly string[]> = {
  cost: ['sum', 'avg'],
  requests: ['count'],
  tokens: ['sum'],
  errors: ['count'],
  error_rate: ['rate'],
  latency: ['p95', 'p50', 'p75', 'p90', 'p99'],
  ttft: ['p95', 'p50', 'p75', 'p90', 'p99'],
  cache_hit_rate: ['rate'],
  prompt_cache_hit_rate: ['rate'],
  budget_used: ['fraction'],
};

/** Token kinds the rollups count (cache writes and reasoning tokens are in the log only). */
export const TOKEN_KINDS = ['total', 'prompt', 'completion', 'cache_read'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const COMPARATORS = ['>', '>=', '<', '<='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const BUDGET_PERIODS = ['day', 'week', 'month'] as const;
export type BudgetPeriodName = (typeof BUDGET_PERIODS)[number];
export const BUDGET_DIMENSIONS = ['key', 'project', 'user', 'model'] as const;
export type BudgetMatch = Partial<Record<(typeof BUDGET_DIMENSIONS)[number], string>>;

/** Names a budget of the config's `limits:` by its `match` and a period it sets. */
export interface BudgetRef {
  match: BudgetMatch;
  period: BudgetPeriodName;
}

/** The request-log filters as `GET /api/requests` takes them: model, status_class, property.<key>, ... */
export type RuleFilter = Record<string, string>;

/** What a rule watches and whom it tells; everything but identity and audit fields. */
export interface RuleDefinition {
  metric: AlertMetric;
  aggregation: string;
  /** tokens only. */
  token_kind?: TokenKind;
  /** budget_used only. */
  budget?: BudgetRef;
  filter: RuleFilter;
  /** A column (model, provider, key_id, user_id, status_class) or property:<name>; null = one series. */
  group_by: string | null;
  /** Durations as written (`5m`); budget rules watch their calendar period instead. */
  window: string;
  comparator: Comparator;
  threshold: number;
  min_requests: number;
  interval: string;
  /** How long the condition must stay clear before a firing group resolves. */
  resolve_after: string;
  /** A firing group is notified again this often; null = only on transitions. */
  renotify: string | null;
  severity: Severity;
  channels: Channel[];
}

export interface AlertRule extends RuleDefinition {
  id: string;
  version: number;
  name: string;
  /** null = every project. */
  project: string | null;
  enabled: boolean;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
}
