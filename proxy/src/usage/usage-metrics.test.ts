import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RequestEvent } from '@periscope/contract';
import { createProxyMetrics } from '../metrics.ts';
import { CappedLabel, LABEL_CAPS, UsageMetrics } from './usage-metrics.ts';

const event = (over: Partial<RequestEvent>): RequestEvent => ({
  provider: 'openai', model: 'gpt-4o', project_id: 'p1', prompt_tokens: 0, completion_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost_usd: 0, ...over,
}) as RequestEvent;

describe('token and cost counters', () => {
  it('counts tokens by type and cost by provider, model and project', async () => {
    const registry = new Registry();
    const usage = new UsageMetrics(createProxyMetrics(registry));
    usage.record(event({ prompt_tokens: 100, completion_tokens: 20, cache_read_tokens: 60, reasoning_tokens: 5, cost_usd: 0.5 }));
    usage.record(event({ prompt_tokens: 1, cost_usd: 0.25 }));
    const text = await registry.metrics();
    expect(text).toContain('periscope_tokens_total{provider="openai",model="gpt-4o",project="p1",type="input"} 101');
    expect(text).toContain('periscope_tokens_total{provider="openai",model="gpt-4o",project="p1",type="cache_read"} 60');
    expect(text).toContain('periscope_tokens_total{provider="openai",model="gpt-4o",project="p1",type="reasoning"} 5');
    expect(text).toContain('periscope_cost_usd_total{provider="openai",model="gpt-4o",project="p1"} 0.75');
  });

  it('caps each label: values past the cap are counted as "other"', async () => {
    const registry = new Registry();
    const usage = new UsageMetrics(createProxyMetrics(registry));
    for (let i = 0; i < LABEL_CAPS.model + 50; i++) usage.record(event({ model: `attacker-model-${i}`, prompt_tokens: 1 }));
    const text = await registry.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('periscope_tokens_total{'));
    expect(series).toHaveLength(LABEL_CAPS.model + 1);
    expect(text).toContain('periscope_tokens_total{provider="openai",model="other",project="p1",type="input"} 50');
  });

  it('keeps values it has seen once the cap is reached', () => {
    const label = new CappedLabel(2);
    expect([label.of('a'), label.of('b'), label.of('c'), label.of('a'), label.of('')]).toEqual(['a', 'b', 'other', 'a', 'other']);
  });
});
