import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { buildRoutePlan, NO_OVERRIDES } from './route-plan.ts';

const config = parseConfig({
  providers: {
    primary: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', keys: [{ key: 'sk-a', weight: 3 }, { key: 'sk-b', rpm: 500 }] },
    backup: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' },
  },
  models: {
    chat: {
      strategy: 'weighted',
      deployments: [{ provider: 'primary', model: 'gpt-4o-mini', weight: 3 }, { provider: 'backup', model: 'llama-3.1-8b', weight: 1 }],
      retry: { attempts: 2, on: [429, 500, 502, 503, 504, 529] },
      fallbacks: ['chat-big', 'gpt-4o'],
    },
    'chat-big': { deployments: [{ provider: 'primary', model: 'gpt-4.1' }] },
  },
  routing: { retry: { attempts: 1 } },
}, {});

describe('buildRoutePlan', () => {
  it('the requested model, then its fallbacks, each with its deployments', () => {
    const plan = buildRoutePlan(config, undefined, 'chat', 'chat.completions');
    expect(plan.groups.map((g) => g.name)).toEqual(['chat', 'chat-big', 'gpt-4o']);
    expect(plan.groups[0]!.deployments.map((d) => d.id)).toEqual(['primary/gpt-4o-mini', 'backup/llama-3.1-8b']);
    expect(plan.groups[0]!.retry.attempts).toBe(2);
    expect(plan.groups[1]!.retry.attempts).toBe(1); // routing.retry default
    // The default `openai` provider serves gpt-* names (a provider named after its type wins).
    expect(plan.groups[2]!.deployments).toMatchObject([{ provider: 'openai', upstreamModel: 'gpt-4o', viaAlias: true }]);
  });

  it('a model outside models: is one deployment, the client model unchanged', () => {
    const plan = buildRoutePlan(config, undefined, 'gpt-4o-mini', 'chat.completions');
    expect(plan.groups).toHaveLength(1);
    expect(plan.groups[0]!.deployments).toMatchObject([{ provider: 'openai', upstreamModel: undefined, viaAlias: false }]);
  });

  it('header overrides: fallbacks replace the configured ones, retries can be set or turned off, a provider narrows deployments', () => {
    const plan = buildRoutePlan(config, undefined, 'chat', 'chat.completions', {
      ...NO_OVERRIDES, fallbacks: ['chat-big'], retryNum: 5, provider: 'backup',
    });
    expect(plan.groups.map((g) => g.name)).toEqual(['chat', 'chat-big']);
    expect(plan.groups[0]!.retry.attempts).toBe(5);
    expect(plan.groups[0]!.deployments.map((d) => d.provider)).toEqual(['backup']);
    const off = buildRoutePlan(config, undefined, 'chat', 'chat.completions', { ...NO_OVERRIDES, retryEnabled: false, retryNum: 3 });
    expect(off.groups[0]!.retry.attempts).toBe(0);
    expect(() => buildRoutePlan(config, undefined, 'chat', 'chat.completions', { ...NO_OVERRIDES, provider: 'nope' })).toThrow(/no deployment on provider "nope"/);
  });

  it('skips duplicate fallbacks and the requested model itself', () => {
    const plan = buildRoutePlan(config, undefined, 'chat', 'chat.completions', { ...NO_OVERRIDES, fallbacks: ['chat', 'chat-big', 'chat-big'] });
    expect(plan.groups.map((g) => g.name)).toEqual(['chat', 'chat-big']);
  });
});

describe('routing config checks', () => {
  const base = { providers: { p: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' } } };
  it('names the path of a bad fallback, a self-fallback, keys next to api_key, an empty limit', () => {
    expect(() => parseConfig({ ...base, models: { a: { deployments: [{ provider: 'p' }], fallbacks: ['mystery-model'] } } }, {}))
      .toThrow(/models\.a\.fallbacks\.0: "mystery-model" is neither/);
    expect(() => parseConfig({ ...base, models: { a: { deployments: [{ provider: 'p' }], fallbacks: ['a'] } } }, {}))
      .toThrow(/models\.a\.fallbacks\.0: a model cannot fall back to itself/);
    expect(() => parseConfig({ providers: { p: { type: 'openai', api_key: 'x', keys: [{ key: 'y' }] } } }, {}))
      .toThrow(/providers\.p: set api_key or keys, not both/);
    expect(() => parseConfig({ limits: [{ match: { key: '*' } }] }, {})).toThrow(/limits\.0: set at least one of/);
    expect(() => parseConfig({ models: { a: { strategy: 'fastest', deployments: [{ provider: 'openai' }] } } }, {})).toThrow(/models\.a\.strategy/);
    expect(() => parseConfig({ models: { a: { deployments: [{ provider: 'openai' }], retry: { on: [200] } } } }, {})).toThrow(/models\.a\.retry\.on\.0/);
  });
});
