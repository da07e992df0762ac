import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { AnthropicPromptCache, minCacheableTokens } from './anthropic-prompt-cache.ts';
import { startMockUpstream, type MockUpstream } from './mock-upstream.ts';
import { countTokens, type PromptSegment } from './tokens.ts';

const MODEL = 'claude-sonnet-4-5';
/** A segment of exactly `tokens` mock tokens (4 chars each) once the '\n' join is counted. */
const seg = (tokens: number, breakpoint = false, ttl?: '1h'): PromptSegment => ({
  text: 'x'.repeat(tokens * 4 - 1),
  cacheBreakpoint: breakpoint,
  ...(ttl ? { cacheTtl: ttl } : {}),
});
// The first segment has no '\n' before it; one more char keeps every boundary on a whole token.
const first = (tokens: number, breakpoint = false): PromptSegment => ({ text: 'y'.repeat(tokens * 4), cacheBreakpoint: breakpoint });

function setup() {
  let now = 0;
  const cache = new AnthropicPromptCache(() => now);
  return { cache, advance: (ms: number) => (now += ms) };
}

describe('AnthropicPromptCache', () => {
  it('writes the prefix of a breakpoint, then reads it; input_tokens is what follows the last breakpoint', () => {
    const { cache } = setup();
    const prompt = [first(1000), seg(500, true), seg(300)];
    expect(cache.account(MODEL, prompt)).toEqual({
      input_tokens: 300, cache_creation_input_tokens: 1500, cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 1500, ephemeral_1h_input_tokens: 0 },
    });
    expect(cache.account(MODEL, prompt)).toMatchObject({ input_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 1500 });
  });

  it('reads the previous turn\'s prefix through the lookback and writes only the new part', () => {
    const { cache } = setup();
    cache.account(MODEL, [first(2000), seg(100, true)]);
    const next = cache.account(MODEL, [first(2000), seg(100), seg(50), seg(70, true), seg(10)]);
    expect(next).toMatchObject({ cache_read_input_tokens: 2100, cache_creation_input_tokens: 120, input_tokens: 10 });
  });

  it('does not look back further than 20 blocks', () => {
    const { cache } = setup();
    cache.account(MODEL, [first(2000, true)]);
    const far = [first(2000), ...Array.from({ length: 20 }, () => seg(10)), seg(10, true)];
    expect(cache.account(MODEL, far).cache_read_input_tokens).toBe(0);
    const near = [first(2000), ...Array.from({ length: 18 }, () => seg(10)), seg(10, true)];
    expect(cache.account(MODEL, near).cache_read_input_tokens).toBe(2000);
  });

  it('respects the minimum cacheable length of the model', () => {
    const { cache } = setup();
    expect(minCacheableTokens('claude-haiku-4-5')).toBe(2048);
    const prompt = [first(1500, true), seg(10)];
    expect(cache.account('claude-haiku-4-5', prompt)).toMatchObject({ input_tokens: 1510, cache_creation_input_tokens: 0 });
    expect(cache.account(MODEL, prompt)).toMatchObject({ input_tokens: 10, cache_creation_input_tokens: 1500 });
  });

  it('forgets a prefix 5 minutes after its last use, and keeps a 1-hour one', () => {
    const { cache, advance } = setup();
    const short = [first(2000, true)];
    const long = [first(3000), seg(10, true, '1h')];
    expect(cache.account(MODEL, long).cache_creation).toEqual({ ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 3010 });
    cache.account(MODEL, short);
    advance(4 * 60_000);
    expect(cache.account(MODEL, short).cache_read_input_tokens).toBe(2000); // the read refreshes it
    advance(4 * 60_000);
    expect(cache.account(MODEL, short).cache_read_input_tokens).toBe(2000);
    advance(5 * 60_000 + 1);
    expect(cache.account(MODEL, short)).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 2000 });
    expect(cache.account(MODEL, long).cache_read_input_tokens).toBe(3010);
  });

  it('keeps models apart', () => {
    const { cache } = setup();
    cache.account(MODEL, [first(2000, true)]);
    expect(cache.account('claude-opus-4-5', [first(2000, true)]).cache_read_input_tokens).toBe(0);
  });
});

describe('mock upstream with anthropicPromptCache: prefix', () => {
  let mock: MockUpstream;
  let client: Anthropic;
  beforeAll(async () => {
    mock = await startMockUpstream({ anthropicPromptCache: 'prefix' });
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });
  });
  afterAll(async () => mock?.close());

  const system = 'You are a careful assistant. '.repeat(200);
  const systemTokens = countTokens(system); // above the 1,024 minimum

  it('reports cache writes and reads in both JSON and streamed answers', async () => {
    const request = {
      model: MODEL, max_tokens: 64,
      system: [{ type: 'text' as const, text: system, cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'Hello' }],
    };
    const written = await client.messages.create(request);
    expect(written.usage).toMatchObject({ cache_creation_input_tokens: systemTokens, cache_read_input_tokens: 0, input_tokens: 2 });
    const read = await client.messages.stream(request).finalMessage();
    expect(read.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: systemTokens, input_tokens: 2 });
  });

  it('refuses more than 4 breakpoints, as Anthropic does', async () => {
    const block = { type: 'text' as const, text: 'part', cache_control: { type: 'ephemeral' as const } };
    await expect(client.messages.create({ model: MODEL, max_tokens: 8, system: [block, block, block, block, block], messages: [{ role: 'user', content: 'hi' }] }))
      .rejects.toMatchObject({ status: 400, message: expect.stringContaining('A maximum of 4 blocks with cache_control may be provided. Found 5.') });
  });
});
