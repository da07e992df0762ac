import { describe, expect, it } from 'vitest';
import { chartOption, chartPlan } from './chart-option.ts';
import { paramsIn, valuesFor } from './params.ts';

describe('chartPlan', () => {
  it('draws numbers over a time axis, one series per numeric column', () => {
    const plan = chartPlan([{ name: 'day', type: 'Date' }, { name: 'requests', type: 'UInt64' }, { name: 'cost', type: 'Float64' }]);
    expect(plan).toMatchObject({ kind: 'line', split: null, values: [{ name: 'requests' }, { name: 'cost' }] });
  });

  it('splits the first numeric column by a text column (spend per model per day)', () => {
    const meta = [{ name: 'day', type: 'Date' }, { name: 'model', type: 'LowCardinality(String)' }, { name: 'cost', type: 'Float64' }];
    const plan = chartPlan(meta)!;
    expect(plan.split?.name).toBe('model');
    const option = chartOption({ meta, rows: 3, truncated: false, statistics: { elapsed_ms: 1 }, data: [
      { day: '2026-03-01', model: 'a', cost: 1 }, { day: '2026-03-01', model: 'b', cost: 5 }, { day: '2026-03-02', model: 'a', cost: 2 },
    ] }, plan) as { series: { name: string; data: unknown[] }[] };
    expect(option.series.map((s) => s.name)).toEqual(['b', 'a']);
    expect(option.series[1]!.data).toEqual([[Date.UTC(2026, 2, 1), 1], [Date.UTC(2026, 2, 2), 2]]);
  });

  it('uses bars for categories and refuses results with nothing numeric', () => {
    expect(chartPlan([{ name: 'model', type: 'String' }, { name: 'p95', type: 'Float64' }])?.kind).toBe('bar');
    expect(chartPlan([{ name: 'model', type: 'String' }, { name: 'user', type: 'String' }])).toBeNull();
  });
});

describe('parameters', () => {
  it('finds {name:Type} outside string literals and keeps known values', () => {
    const params = paramsIn("SELECT '{not:String}', {from:DateTime}, {model: String}, {from:DateTime}");
    expect(params).toEqual([{ name: 'from', type: 'DateTime' }, { name: 'model', type: 'String' }]);
    expect(valuesFor(params, { model: 'gpt', gone: 'x' })).toEqual({ from: 'today-7d', model: 'gpt' });
  });
});
