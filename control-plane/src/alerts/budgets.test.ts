import { describe, expect, it } from 'vitest';
import { parseConfig } from '@periscope/proxy';
import { budgetQuery, findBudget, listBudgets, periodStart } from './budgets.ts';
import { logLink } from './log-link.ts';

const limits = parseConfig({
  limits: [
    { match: { key: '*' }, rpm: 10 },
    { match: { project: 'research' }, budget_usd: { month: 500 }, soft_threshold: 0.9 },
    { match: { user: '*', model: 'gpt-4o' }, budget_usd: { day: 20, week: 100 } },
  ],
}, {}).limits;

describe('budgets of the config', () => {
  it('lists one entry per budget period, skipping limits without a budget', () => {
    expect(listBudgets(limits)).toEqual([
      { match: { project: 'research' }, period: 'month', limit_usd: 500, soft_threshold: 0.9 },
      { match: { user: '*', model: 'gpt-4o' }, period: 'day', limit_usd: 20, soft_threshold: 0.8 },
      { match: { user: '*', model: 'gpt-4o' }, period: 'week', limit_usd: 100, soft_threshold: 0.8 },
    ]);
    expect(findBudget({ match: { model: 'gpt-4o', user: '*' }, period: 'week' }, limits)?.limit_usd).toBe(100);
    expect(findBudget({ match: { user: '*' }, period: 'week' }, limits)).toBeUndefined();
    expect(findBudget({ match: { project: 'research' }, period: 'day' }, limits)).toBeUndefined();
  });

  it('sums from the start of the proxy\'s calendar period, filters exact dimensions and groups by the * ones', () => {
    const now = Date.UTC(2026, 10, 26, 15, 30); // a Thursday
    expect(periodStart('day', now)).toBe(Date.UTC(2026, 10, 26));
    expect(periodStart('week', now)).toBe(Date.UTC(2026, 10, 23));
    expect(periodStart('month', now)).toBe(Date.UTC(2026, 10, 1));
    const [research, perUserDay] = listBudgets(limits);
    expect(budgetQuery(research!, now)).toEqual({ from: Date.UTC(2026, 10, 1), filter: {}, project: 'research', group_by: [], skipEmptyGroup: false });
    expect(budgetQuery(perUserDay!, now)).toEqual({ from: Date.UTC(2026, 10, 26), filter: { model: 'gpt-4o' }, group_by: ['user_id'], skipEmptyGroup: true });
  });
});

describe('log links', () => {
  it('writes the request log\'s URL filters for the rule and the group', () => {
    const base = { filter: { provider: 'openai', 'property.team': 'search' }, project: 'p1', from: 1000.4, to: 2000.2 };
    expect(logLink('https://ui.example/', { ...base, groupBy: ['status_class'], group: '5xx' }))
      .toBe('https://ui.example/requests?project=p1&provider=openai&property.team=search&status_class=5&from=1000&to=2001');
    expect(new URL(logLink('http://x', { ...base, groupBy: ['property:env'], group: 'prod' })).searchParams.get('property.env')).toBe('prod');
    const multi = new URL(logLink('http://x', { ...base, project: null, groupBy: ['project_id', 'model'], group: 'research / gpt-4o' })).searchParams;
    expect([multi.get('project'), multi.get('model')]).toEqual(['research', 'gpt-4o']);
    expect(new URL(logLink('http://x', { ...base, groupBy: ['model'], group: '' })).searchParams.has('model')).toBe(false);
  });
});
