import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { createPriceBook } from '../pricing/price-book.ts';
import { DeploymentStats } from './deployment-stats.ts';
import { pickDeployment } from './pick-deployment.ts';
import { buildRoutePlan } from './route-plan.ts';

function groupOf(strategy: string) {
  const config = parseConfig({
    providers: {
      a: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' },
      b: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' },
    },
    models: {
      chat: {
        strategy,
        deployments: [{ provider: 'a', model: 'gpt-4o', weight: 3 }, { provider: 'b', model: 'gpt-4o-mini', weight: 1 }],
      },
    },
  }, {});
  return buildRoutePlan(config, undefined, 'chat', 'chat.completions').groups[0]!;
}

/** A seeded generator, so the split is the same on every run. */
function lcg(seed = 42): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('pickDeployment', () => {
  const priceBook = createPriceBook();

  it('weighted: splits by weight', () => {
    const group = groupOf('weighted');
    const ctx = { stats: new DeploymentStats(), priceBook, requestedModel: 'chat', random: lcg() };
    let a = 0;
    for (let i = 0; i < 4000; i++) if (pickDeployment(group, new Set(), ctx).provider === 'a') a++;
    expect(a / 4000).toBeGreaterThan(0.72);
    expect(a / 4000).toBeLessThan(0.78);
  });

  it('least-inflight: the deployment with fewer calls in flight', () => {
    const group = groupOf('least-inflight');
    const stats = new DeploymentStats();
    stats.started('a/gpt-4o');
    expect(pickDeployment(group, new Set(), { stats, priceBook, requestedModel: 'chat' }).provider).toBe('b');
  });

  it('latency: unmeasured first, then the lowest smoothed latency', () => {
    const group = groupOf('latency');
    const stats = new DeploymentStats();
    stats.succeeded('a/gpt-4o', 300);
    expect(pickDeployment(group, new Set(), { stats, priceBook, requestedModel: 'chat' }).provider).toBe('b');
    stats.succeeded('b/gpt-4o-mini', 500);
    expect(pickDeployment(group, new Set(), { stats, priceBook, requestedModel: 'chat' }).provider).toBe('a');
  });

  it('cost: the cheapest known price (gpt-4o-mini is cheaper than gpt-4o)', () => {
    const group = groupOf('cost');
    expect(pickDeployment(group, new Set(), { stats: new DeploymentStats(), priceBook, requestedModel: 'chat' }).provider).toBe('b');
  });

  it('avoids deployments already tried and cooled-down ones, but never returns nothing', () => {
    const group = groupOf('weighted');
    const stats = new DeploymentStats(() => 0);
    const ctx = { stats, priceBook, requestedModel: 'chat', random: () => 0 };
    expect(pickDeployment(group, new Set(['a/gpt-4o']), ctx).provider).toBe('b');
    for (let i = 0; i < 3; i++) stats.failed('a/gpt-4o', { failures: 3, cooldown_ms: 10 });
    expect(pickDeployment(group, new Set(), ctx).provider).toBe('b');
    for (let i = 0; i < 3; i++) stats.failed('b/gpt-4o-mini', { failures: 3, cooldown_ms: 20 });
    expect(pickDeployment(group, new Set(), ctx).provider).toBe('a'); // due back first
  });
});
