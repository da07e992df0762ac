import type { GroupBy, RequestFilter, TimeRange } from './analytics.ts';

/**
 * One version of an alert rule. The definition (metric, filter, channels, ...) is the ingest's
 * JSON `spec`: the store keeps it opaque so the rule model can grow without a migration, and
 * indexes only what it lists and scopes by.
 */
export interface AlertRuleRecord {
  rule_id: string;
  /** 1 for the first version; every change writes the next one, and every version is kept. */
  version: number;
  /** The project the rule watches; '' = every project. */
  project_id: string;
  name: string;
  enabled: boolean;
  deleted: boolean;
  spec: string;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
}

export const ALERT_STATES = ['ok', 'firing', 'resolved'] as const;
export type AlertStateName = (typeof ALERT_STATES)[number];

/** Where one rule stands for one group (the empty group for rules without group-by). */
export interface AlertStateRecord {
  rule_id: string;
  group_key: string;
  state: AlertStateName;
  /** The value observed when the state last changed. */
  value: number | null;
  /** When the current state began. */
  since: number;
  /** Firing: when the condition first cleared (the resolve cooldown runs from here); else null. */
  clear_since: number | null;
  last_notified_at: number | null;
  /** Transitions so far; numbers the notifications, so a repeated transition is recognisable. */
  seq: number;
  rule_version: number;
  updated_at: number;
}

export const ALERT_EVENT_KINDS = ['firing', 'resolved', 'renotify', 'test'] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

/** One entry of a rule's history: a transition (or re-notification) with what was observed. */
export interface AlertEventRecord {
  /** Stable per transition: a second write of the same transition replaces the first. */
  event_id: string;
  rule_id: string;
  rule_version: number;
  at: number;
  group_key: string;
  kind: AlertEventKind;
  value: number | null;
  threshold: number;
  /** Delivery outcome per channel, as JSON written by the ingest; '' while sending. */
  deliveries: string;
}

export interface AlertEventsQuery {
  rule_id: string;
  /** 1..1000, default 100. */
  limit?: number;
  /** Only events strictly before this time (epoch ms), for paging back. */
  before?: number;
}

/**
 * The lease claims of the newest term, with the server's clock: the lease protocol (ingest)
 * decides who holds it from the claims, and judges expiry by that one clock.
 */
export interface LeaseView {
  /** ClickHouse's now, epoch ms. */
  now: number;
  term: number;
  claims: Array<{ holder: string; claimed_at: number; ttl_ms: number }>;
}

/** How the evaluator reduces the window to one number per group. */
export const ALERT_AGGREGATES = {
  cost_sum: { uses: ['cost_usd'], sql: 'sum(cost_usd)', additive: true },
  cost_avg: { uses: ['cost_usd'], sql: 'sum(cost_usd) / sum(requests)', additive: false },
  requests: { uses: [], sql: 'sum(requests)', additive: true },
  errors: { uses: ['errors'], sql: 'sum(errors)', additive: true },
  error_rate: { uses: ['errors'], sql: 'sum(errors) / sum(requests)', additive: false },
  tokens_total: { uses: ['prompt_tokens', 'completion_tokens'], sql: 'sum(prompt_tokens) + sum(completion_tokens)', additive: true },
  tokens_prompt: { uses: ['prompt_tokens'], sql: 'sum(prompt_tokens)', additive: true },
  tokens_completion: { uses: ['completion_tokens'], sql: 'sum(completion_tokens)', additive: true },
  tokens_cache_read: { uses: ['cache_read_tokens'], sql: 'sum(cache_read_tokens)', additive: true },
  cache_hit_rate: { uses: ['cache_hits'], sql: 'sum(cache_hits) / sum(requests)', additive: false },
  prompt_cache_hit_rate: { uses: ['cache_read_tokens', 'prompt_tokens'], sql: 'if(sum(prompt_tokens) = 0, nan, sum(cache_read_tokens) / sum(prompt_tokens))', additive: false },
} as const;
export type AlertAggregate = keyof typeof ALERT_AGGREGATES | `latency_p${number}` | `ttft_p${number}`;

/** The percentiles a latency or TTFT rule may watch (the rollups' t-digests answer any of them). */
export const ALERT_PERCENTILES = [50, 75, 90, 95, 99] as const;

/** A group-by of the overview, or the project (budgets may count per project). */
export type AlertGroupBy = Exclude<GroupBy, 'none'> | 'project_id';

export interface AlertQuery extends TimeRange {
  filter: RequestFilter;
  aggregate: AlertAggregate;
  /**
   * Without it (or empty), one observation for the whole window (group ''). Several columns
   * make one group per combination, named "a / b" (a budget counting per key and model).
   */
  group_by?: AlertGroupBy[];
  /** Groups (or the whole window) with fewer requests are not observed. */
  minRequests: number;
  /** The groups returned at most, most breaching first. */
  maxGroups: number;
  /** Ranks the groups: 'desc' puts the largest values first (for `>` rules). */
  order: 'asc' | 'desc';
  /** Drops the group whose value is '' (a `*` budget on users skips calls without a user). */
  skipEmptyGroup?: boolean;
}

export interface AlertObservation {
  group: string;
  /** Null when the metric has no value (a rate over no data). */
  value: number | null;
  requests: number;
}
