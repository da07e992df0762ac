import { describe, expect, it } from 'vitest';
import { usageFromJson } from './usage.ts';
import { StreamUsageObserver } from './stream-observer.ts';

describe('usageFromJson', () => {
  it('reads OpenAI chat usage with cached and reasoning tokens', () => {
    const o = usageFromJson('chat.completions', {
      model: 'o3-2025-04-16',
      usage: { prompt_tokens: 100, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 30 } },
    });
    expect(o).toEqual({
      model_served: 'o3-2025-04-16', sawUsage: true,
      usage: { prompt_tokens: 100, completion_tokens: 50, cache_read_tokens: 40, cache_write_tokens: 0, reasoning_tokens: 30 },
    });
  });

  it('reads Responses API usage', () => {
    const o = usageFromJson('responses', { usage: { input_tokens: 10, output_tokens: 5, input_tokens_details: { cached_tokens: 2 }, output_tokens_details: { reasoning_tokens: 1 } } });
    expect(o.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, cache_read_tokens: 2, cache_write_tokens: 0, reasoning_tokens: 1 });
  });

  it('adds Anthropic cache reads and writes into prompt tokens', () => {
    const o = usageFromJson('messages', { model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 } });
    expect(o.usage).toEqual({ prompt_tokens: 1210, completion_tokens: 7, cache_read_tokens: 1000, cache_write_tokens: 200, reasoning_tokens: 0 });
  });

  it('reads the 1-hour share of Anthropic cache writes', () => {
    const o = usageFromJson('messages', {
      usage: { input_tokens: 5, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 } },
    });
    expect(o.usage).toMatchObject({ prompt_tokens: 305, cache_write_tokens: 300, cache_write_1h_tokens: 200 });
  });

  it('reports no usage when there is none', () => {
    expect(usageFromJson('chat.completions', { id: 'x' }).sawUsage).toBe(false);
    expect(usageFromJson('chat.completions', 'nope').sawUsage).toBe(false);
  });
});

describe('StreamUsageObserver', () => {
  it('combines Anthropic message_start and message_delta', () => {
    const o = new StreamUsageObserver('messages');
    o.onData(JSON.stringify({ type: 'message_start', message: { model: 'claude-haiku-4-5', usage: { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 } } }));
    o.onData(JSON.stringify({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'hi' } }));
    o.onData(JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 42 } }));
    expect(o.observed).toEqual({
      model_served: 'claude-haiku-4-5', sawUsage: true,
      usage: { prompt_tokens: 112, completion_tokens: 42, cache_read_tokens: 100, cache_write_tokens: 0, reasoning_tokens: 0 },
    });
  });

  it('keeps the 1-hour cache writes of message_start when message_delta repeats the counts', () => {
    const o = new StreamUsageObserver('messages');
    const input = { input_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 300 } };
    o.onData(JSON.stringify({ type: 'message_start', message: { model: 'claude-sonnet-4-5', usage: { ...input, output_tokens: 1 } } }));
    o.onData(JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { ...input, output_tokens: 9 } }));
    expect(o.observed.usage).toMatchObject({ prompt_tokens: 305, completion_tokens: 9, cache_write_tokens: 300, cache_write_1h_tokens: 300 });
  });

  it('reads the OpenAI final usage chunk and ignores [DONE] and junk', () => {
    const o = new StreamUsageObserver('chat.completions');
    o.onData(JSON.stringify({ model: 'gpt-4o-mini-2024-07-18', choices: [{ delta: { content: 'a' } }], usage: null }));
    o.onData(JSON.stringify({ model: 'gpt-4o-mini-2024-07-18', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } }));
    o.onData('[DONE]');
    o.onData('{not json');
    expect(o.observed.usage.prompt_tokens).toBe(9);
    expect(o.observed.model_served).toBe('gpt-4o-mini-2024-07-18');
  });

  it('reads response.completed of the Responses API', () => {
    const o = new StreamUsageObserver('responses');
    o.onData(JSON.stringify({ type: 'response.completed', response: { model: 'gpt-4.1', usage: { input_tokens: 3, output_tokens: 4 } } }));
    expect(o.observed.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
  });
});
