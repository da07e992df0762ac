import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.ts';

const model = (extra: object) => ({ models: { fast: { deployments: [{ provider: 'openai', model: 'gpt-4o-mini' }], ...extra } } });

describe('cache config', () => {
  it('has defaults: memory backend, 7 days default TTL, 365 days max, prompt_cache off', () => {
    const config = parseConfig(model({}), {});
    expect(config.cache).toEqual({
      backend: 'memory', max_bytes: 256 * 1024 * 1024, max_entry_bytes: 8 * 1024 * 1024, default_ttl: 7 * 86_400,
      max_ttl: 365 * 86_400, single_flight_wait_ms: 30_000, prompt_cache_sessions: 10_000,
    });
    expect(config.models.fast!.cache).toBeUndefined();
    expect(config.models.fast!.prompt_cache).toBe('off');
  });

  it('reads durations as seconds or with a unit, top-level and per model', () => {
    const config = parseConfig({ cache: { default_ttl: '1h', max_ttl: 86_400 }, ...model({ cache: { enabled: true, ttl: '15m', exclude_paths: ['messages[*].name'] }, prompt_cache: 'auto' }) }, {});
    expect(config.cache).toMatchObject({ default_ttl: 3_600, max_ttl: 86_400 });
    expect(config.models.fast).toMatchObject({ cache: { enabled: true, ttl: 900, exclude_paths: ['messages[*].name'] }, prompt_cache: 'auto' });
  });

  it('names the bad path', () => {
    expect(() => parseConfig({ cache: { backend: 'disk' } }, {})).toThrow(/^invalid config at cache\.backend: /);
    expect(() => parseConfig({ cache: { default_ttl: '7 days' } }, {})).toThrow(/^invalid config at cache\.default_ttl: /);
    expect(() => parseConfig(model({ cache: { exclude_paths: ['ok', 'a..b'] } }), {})).toThrow('invalid config at models.fast.cache.exclude_paths.1: not a JSON path (keys, [n], * or [*]): "a..b"');
    expect(() => parseConfig(model({ prompt_cache: 'on' }), {})).toThrow(/^invalid config at models\.fast\.prompt_cache: /);
    expect(() => parseConfig(model({ cache: { enable: true } }), {})).toThrow(/^invalid config at models\.fast\.cache/);
  });
});
