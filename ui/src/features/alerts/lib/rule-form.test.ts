import { describe, expect, it } from 'vitest';
import type { AlertRule, BudgetInfo } from '../api/types.ts';
import { emptyForm, formOf, inputOf, timeseriesMetricOf } from './rule-form.ts';

const rule: AlertRule = {
  id: 'alr_1', version: 3, name: 'errors', project: 'shop', enabled: true, metric: 'error_rate', aggregation: 'rate',
  filter: { provider: 'openai', 'property.team': 'search' }, group_by: 'property:env', window: '15m', comparator: '>', threshold: 0.05,
  min_requests: 20, interval: '1m', resolve_after: '5m', renotify: null, severity: 'critical',
  channels: [{ type: 'webhook', url: 'https://hooks.example.com/x', secret: '********' }, { type: 'email', to: ['a@example.com', 'b@example.com'] }],
  created_at: '', created_by: '', updated_at: '', updated_by: '', state: 'ok', groups: [],
};

describe('alert rule form', () => {
  it('reads a rule into the form and writes the same rule back (percentages on screen, ratios in the API)', () => {
    const form = formOf(rule);
    expect(form.threshold).toBe('5');
    expect(form.properties).toBe('team=search');
    expect(form.groupBy).toBe('property');
    expect(form.channels[1]).toEqual({ type: 'email', to: 'a@example.com, b@example.com', smtp: undefined });
    const back = inputOf(form);
    expect(back).toEqual({ input: {
      name: 'errors', project: 'shop', enabled: true, metric: 'error_rate', aggregation: 'rate', filter: rule.filter, group_by: 'property:env',
      window: '15m', comparator: '>', threshold: 0.05, min_requests: 20, interval: '1m', resolve_after: '5m', renotify: null, severity: 'critical',
      channels: [rule.channels[0], { type: 'email', to: ['a@example.com', 'b@example.com'] }], version: 3,
    } });
  });

  it('names the field that cannot be sent', () => {
    expect(inputOf({ ...emptyForm('p'), threshold: '' })).toEqual({ error: 'threshold' });
    expect(inputOf({ ...emptyForm('p'), threshold: '1', properties: 'team' })).toEqual({ error: 'property' });
    expect(inputOf({ ...emptyForm('p'), threshold: '80', metric: 'budget_used', aggregation: 'fraction' })).toEqual({ error: 'budget' });
  });

  it('sends a budget rule with the chosen budget and no window, filter or grouping', () => {
    const budgets: BudgetInfo[] = [{ match: { project: '*' }, period: 'month', limit_usd: 100, soft_threshold: 0.8 }];
    const result = inputOf({ ...emptyForm(''), metric: 'budget_used', aggregation: 'fraction', threshold: '80', budget: 'month:project=*', filters: { ...emptyForm('').filters, model: 'x' } }, budgets);
    expect(result).toMatchObject({ input: { metric: 'budget_used', threshold: 0.8, budget: { match: { project: '*' }, period: 'month' }, filter: {}, group_by: null, project: null } });
    expect('input' in result && 'window' in result.input).toBe(false);
  });

  it('charts with the overview series that shows the same metric, or none', () => {
    expect(timeseriesMetricOf({ metric: 'latency', aggregation: 'p95' })).toBe('latency_p95');
    expect(timeseriesMetricOf({ metric: 'latency', aggregation: 'p99' })).toBeNull();
    expect(timeseriesMetricOf({ metric: 'cost', aggregation: 'avg' })).toBeNull();
    expect(timeseriesMetricOf({ metric: 'tokens', aggregation: 'sum', token_kind: 'prompt' })).toBeNull();
    expect(timeseriesMetricOf({ metric: 'budget_used', aggregation: 'fraction' })).toBe('cost');
  });
});
