import type { AlertGroupBy, AlertObservation, Store } from '@periscope/clickhouse';
import type { LimitConfig } from '@periscope/contract';
import { budgetQuery, findBudget } from './budgets.ts';
import { requestFilterOf } from './rule-input.ts';
import { type RuleDefinition, type RuleFilter } from '@periscope/contract';
import { durationOf, groupColumns, storeAggregate } from './rule-functions.ts';

/** Groups observed per evaluation at most; the most breaching come first, so these are the ones that matter. */
export const MAX_GROUPS = 100;

export interface RuleEvaluation {
  observations: AlertObservation[];
  /** The judged window. */
  from: number;
  to: number;
  /** What the groups are values of, and the filters that were applied (for the log link). */
  groupBy: AlertGroupBy[];
  filter: RuleFilter;
  project: string | null;
}

export interface EvaluationContext {
  store: Store;
  /** Every project, for rules on all of them. */
  allProjects: () => Promise<string[]>;
  limits: readonly LimitConfig[];
  now: number;
}

/** The rule's value per group now: one store query. Budget rules divide their period's spend by the budget. */
export async function evaluateRule(rule: RuleDefinition & { project: string | null }, ctx: EvaluationContext): Promise<RuleEvaluation> {
  const order = rule.comparator.startsWith('>') ? 'desc' : 'asc';
  if (rule.metric === 'budget_used') {
    const budget = rule.budget && findBudget(rule.budget, ctx.limits);
    if (!budget) throw new Error(`no budget in the config's limits matches ${JSON.stringify(rule.budget)}`);
    const q = budgetQuery(budget, ctx.now);
    let projects = q.project ? [q.project] : rule.project ? [rule.project] : await ctx.allProjects();
    if (q.project && rule.project && q.project !== rule.project) projects = [];
    const observations = await ctx.store.evaluateAlert({
      from: q.from, to: ctx.now, filter: requestFilterOf(q.filter, projects), aggregate: 'cost_sum', group_by: q.group_by,
      minRequests: rule.min_requests, maxGroups: MAX_GROUPS, order, skipEmptyGroup: q.skipEmptyGroup,
    });
    return {
      observations: observations.map((o) => ({ ...o, value: o.value === null ? null : o.value / budget.limit_usd })),
      from: q.from, to: ctx.now, groupBy: q.group_by, filter: q.filter, project: q.project ?? rule.project,
    };
  }
  const from = ctx.now - durationOf(rule.window);
  const projects = rule.project ? [rule.project] : await ctx.allProjects();
  const groupBy = groupColumns(rule.group_by);
  const observations = await ctx.store.evaluateAlert({
    from, to: ctx.now, filter: requestFilterOf(rule.filter, projects), aggregate: storeAggregate(rule), group_by: groupBy,
    minRequests: rule.min_requests, maxGroups: MAX_GROUPS, order,
  });
  return { observations, from, to: ctx.now, groupBy, filter: rule.filter, project: rule.project };
}
