import type { AlertGroupBy } from '@periscope/clickhouse';
import { budgetWindow } from '@periscope/proxy';
import { type LimitConfig, BUDGET_DIMENSIONS, BUDGET_PERIODS, type BudgetMatch, type BudgetPeriodName, type BudgetRef, type RuleFilter } from '@periscope/contract';

/** A budget of the config as the API lists it (what a budget_used rule can name). */
export interface BudgetInfo {
  match: BudgetMatch;
  period: BudgetPeriodName;
  limit_usd: number;
  soft_threshold: number;
}

export function listBudgets(limits: readonly LimitConfig[]): BudgetInfo[] {
  return limits.flatMap((limit) => BUDGET_PERIODS.flatMap((period) => {
    const usd = limit.budget_usd?.[period];
    return usd === undefined ? [] : [{ match: matchOf(limit), period, limit_usd: usd, soft_threshold: limit.soft_threshold }];
  }));
}

export const findBudget = (ref: BudgetRef, limits: readonly LimitConfig[]): BudgetInfo | undefined =>
  listBudgets(limits).find((b) => b.period === ref.period && sameMatch(b.match, ref.match));

/** What the store must sum for a budget: its period so far, its exact dimensions as filters, its `*` ones as groups. */
export interface BudgetQuery {
  from: number;
  filter: RuleFilter;
  /** Set when the budget is on one project. */
  project?: string;
  group_by: AlertGroupBy[];
  /** A `*` on users counts per user; calls without a user are outside it, as in the proxy. */
  skipEmptyGroup: boolean;
}

const COLUMNS = { key: 'key_id', project: 'project_id', user: 'user_id', model: 'model' } as const;

export function budgetQuery(budget: BudgetInfo, now: number): BudgetQuery {
  const q: BudgetQuery = { from: periodStart(budget.period, now), filter: {}, group_by: [], skipEmptyGroup: false };
  for (const dim of BUDGET_DIMENSIONS) {
    const want = budget.match[dim];
    if (want === undefined) continue;
    if (want === '*') {
      q.group_by.push(COLUMNS[dim]);
      if (dim === 'user') q.skipEmptyGroup = true;
    } else if (dim === 'project') {
      q.project = want;
    } else {
      q.filter[COLUMNS[dim]] = want;
    }
  }
  return q;
}

/** The proxy's calendar windows (UTC day, ISO week from Monday, month): the same period its counters reset on. */
export function periodStart(period: BudgetPeriodName, now: number): number {
  if (period === 'month') {
    const d = new Date(now);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  return budgetWindow(period, now).endsAt - (period === 'day' ? 1 : 7) * 86_400_000;
}

function matchOf(limit: LimitConfig): BudgetMatch {
  const m: BudgetMatch = {};
  for (const dim of BUDGET_DIMENSIONS) if (limit.match[dim] !== undefined) m[dim] = limit.match[dim];
  return m;
}

const sameMatch = (a: BudgetMatch, b: BudgetMatch) => BUDGET_DIMENSIONS.every((d) => a[d] === b[d]);
