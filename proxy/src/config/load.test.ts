import { describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from './load.ts';

describe('parseConfig', () => {
  it('gives openai, anthropic and gemini providers without a config file', () => {
    const c = parseConfig({}, {});
    expect(Object.keys(c.providers).sort()).toEqual(['anthropic', 'gemini', 'openai']);
    expect(c.providers.openai!.base_url).toBe('https://api.openai.com/v1');
    expect(c.providers.openai!.api_key).toBeUndefined();
    expect(c.gateway.timeouts.headers_ms).toBe(600_000);
    expect(c.logging.max_stored_body_bytes).toBe(256 * 1024);
  });

  it('expands ${VAR} and ${VAR:-default} from the environment', () => {
    const c = parseConfig({
      providers: { groq: { type: 'openai-compatible', base_url: '${GROQ_URL:-https://api.groq.com/openai/v1}', api_key: '${GROQ_KEY}' } },
    }, { GROQ_KEY: 'gsk_x' });
    expect(c.providers.groq).toMatchObject({ base_url: 'https://api.groq.com/openai/v1', api_key: 'gsk_x' });
  });

  it('names the bad path in errors', () => {
    expect(() => parseConfig({ providers: { x: { type: 'nope', base_url: 'http://a' } } }, {})).toThrow(/providers\.x\.type/);
    expect(() => parseConfig({ providers: { x: { type: 'openai-compatible' } } }, {})).toThrow(/providers\.x\.base_url/);
    expect(() => parseConfig({ gateway: { max_request_bytes: -1 } }, {})).toThrow(/gateway\.max_request_bytes/);
    expect(() => parseConfig({ models: { chat: { deployments: [{ provider: 'ghost' }] } } }, {})).toThrow(/models\.chat\.deployments\.0\.provider/);
    expect(() => parseConfig({ providers: { x: { type: 'openai', api_key: '${MISSING_VAR}' } } }, {})).toThrow(ConfigError);
    expect(() => parseConfig({ bogus: 1 }, {})).toThrow(/bogus|Unrecognized/);
    expect(() => parseConfig({ pricing: { 'my-model': { input: -1, output: 1 } } }, {})).toThrow(/invalid config at pricing\["my-model"\]\.input/);
  });

  it('runs the event movers at idle priority unless the file or PERISCOPE_BACKGROUND_PRIORITY says otherwise', () => {
    expect(parseConfig({}, {}).logging.background_priority).toBe('idle');
    expect(parseConfig({ logging: { background_priority: 'low' } }, {}).logging.background_priority).toBe('low');
    expect(parseConfig({ logging: { background_priority: 'low' } }, { PERISCOPE_BACKGROUND_PRIORITY: 'normal' }).logging.background_priority).toBe('normal');
    expect(parseConfig({ logging: { background_priority: 'low' } }, { PERISCOPE_BACKGROUND_PRIORITY: '' }).logging.background_priority).toBe('low');
    expect(() => parseConfig({}, { PERISCOPE_BACKGROUND_PRIORITY: 'lowest' })).toThrow(/invalid PERISCOPE_BACKGROUND_PRIORITY "lowest": one of idle, low, normal/);
    expect(() => parseConfig({ logging: { background_priority: 'realtime' } }, {})).toThrow(/logging\.background_priority/);
  });

  it('lets the event loop sleep between calls unless gateway.idle_poll_ms says how long to poll', () => {
    expect(parseConfig({}, {}).gateway.idle_poll_ms).toBe(0);
    expect(parseConfig({ gateway: { idle_poll_ms: 10 } }, {}).gateway.idle_poll_ms).toBe(10);
    for (const bad of [-1, 1.5, 1_001]) expect(() => parseConfig({ gateway: { idle_poll_ms: bad } }, {})).toThrow(/gateway\.idle_poll_ms/);
  });

  it('scavenges between calls unless gateway.scavenge_between_calls is false', () => {
    expect(parseConfig({}, {}).gateway.scavenge_between_calls).toBe(true);
    expect(parseConfig({ gateway: { scavenge_between_calls: false } }, {}).gateway.scavenge_between_calls).toBe(false);
    expect(() => parseConfig({ gateway: { scavenge_between_calls: 'no' } }, {})).toThrow(/gateway\.scavenge_between_calls/);
  });

  it('caps the old space\'s growth at 100 % unless gateway.old_space_growth_percent says otherwise (0: V8\'s own)', () => {
    expect(parseConfig({}, {}).gateway.old_space_growth_percent).toBe(100);
    expect(parseConfig({ gateway: { old_space_growth_percent: 0 } }, {}).gateway.old_space_growth_percent).toBe(0);
    expect(() => parseConfig({ gateway: { old_space_growth_percent: 400 } }, {})).toThrow(/gateway\.old_space_growth_percent/);
    expect(() => parseConfig({ gateway: { old_space_growth_percent: 1.5 } }, {})).toThrow(/gateway\.old_space_growth_percent/);
  });
});
