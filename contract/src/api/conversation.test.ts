import { describe, expect, it } from 'vitest';
import { parseConversation, parseSse } from './conversation.ts';

const sse = (events: ({ event?: string; data: unknown } | '[DONE]')[]) =>
  events.map((e) => (e === '[DONE]' ? 'data: [DONE]\n\n' : `${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`)).join('');

describe('OpenAI chat', () => {
  const request = JSON.stringify({
    model: 'gpt-4o-mini',
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather by city' } }],
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
    ],
  });

  it('reads roles, text, images, tool calls and tool results', () => {
    const c = parseConversation('chat.completions', request, JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Sunny, 21°C.' } }] }));
    expect(c.format).toBe('openai-chat');
    expect(c.tools).toEqual([{ name: 'get_weather', description: 'Weather by city' }]);
    expect(c.request.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(c.request[1]!.parts).toEqual([{ kind: 'text', text: 'Weather in Paris?' }, { kind: 'image', source: 'https://x/y.png' }]);
    expect(c.request[2]!.parts).toEqual([{ kind: 'tool_call', id: 'call_1', name: 'get_weather', args: '{"city":"Paris"}' }]);
    expect(c.request[3]!.parts).toEqual([{ kind: 'tool_result', id: 'call_1', content: '{"temp":21}', isError: false }]);
    expect(c.response).toEqual([{ role: 'assistant', name: undefined, parts: [{ kind: 'text', text: 'Sunny, 21°C.' }] }]);
    expect(c.unreadable).toEqual({ request: false, response: false });
  });

  it('assembles a streamed answer with text and tool-call deltas', () => {
    const body = sse([
      { data: { choices: [{ delta: { role: 'assistant', content: 'Let me ' } }] } },
      { data: { choices: [{ delta: { content: 'check.' } }] } },
      { data: { choices: [{ delta: { tool_calls: [{ index: 0, id: 'call_9', function: { name: 'get_weather', arguments: '{"ci' } }] } }] } },
      { data: { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] } }] } },
      { data: { choices: [], usage: { prompt_tokens: 5, completion_tokens: 7 } } },
      '[DONE]',
    ]);
    const c = parseConversation('chat.completions', request, body);
    expect(c.response[0]!.parts).toEqual([
      { kind: 'text', text: 'Let me check.' },
      { kind: 'tool_call', id: 'call_9', name: 'get_weather', args: '{"city":"Oslo"}' },
    ]);
  });

  it('shows the provider error and flags a truncated body instead of guessing', () => {
    const c = parseConversation('chat.completions', request.slice(0, 40), JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit' } }));
    expect(c.unreadable.request).toBe(true);
    expect(c.error).toBe('Rate limit reached');
    expect(c.response).toEqual([]);
  });
});

describe('Anthropic messages', () => {
  const request = JSON.stringify({
    model: 'claude-sonnet-4-5',
    system: [{ type: 'text', text: 'Be helpful.' }],
    messages: [
      { role: 'user', content: 'Weather in Rome?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '25°C' }], is_error: false }] },
    ],
  });

  it('reads system, tool_use and a user turn of tool results as the tool speaking', () => {
    const c = parseConversation('messages', request, JSON.stringify({ type: 'message', role: 'assistant', content: [{ type: 'thinking', thinking: 'hot' }, { type: 'text', text: 'Warm: 25°C.' }] }));
    expect(c.format).toBe('anthropic');
    expect(c.request.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(c.request[2]!.parts[1]).toEqual({ kind: 'tool_call', id: 'toolu_1', name: 'get_weather', args: '{"city":"Rome"}' });
    expect(c.request[3]!.parts[0]).toEqual({ kind: 'tool_result', id: 'toolu_1', content: '25°C', isError: false });
    expect(c.response[0]!.parts).toEqual([{ kind: 'thinking', text: 'hot' }, { kind: 'text', text: 'Warm: 25°C.' }]);
  });

  it('assembles a stream of content blocks, tool input included', () => {
    const body = sse([
      { event: 'message_start', data: { type: 'message_start', message: { role: 'assistant', content: [] } } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'On it.' } } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'search', input: {} } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"x"}' } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
    const c = parseConversation('messages', request, body);
    expect(c.response[0]!.parts).toEqual([{ kind: 'text', text: 'On it.' }, { kind: 'tool_call', id: 'toolu_2', name: 'search', args: '{"q":"x"}' }]);
  });

  it('reads an error event', () => {
    const body = sse([{ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }]);
    expect(parseConversation('messages', request, body).error).toBe('Overloaded');
  });
});

describe('OpenAI Responses', () => {
  it('reads instructions, input items and the completed response of a stream', () => {
    const request = JSON.stringify({
      model: 'gpt-4.1', instructions: 'Answer briefly.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Add 2 and 3' }] },
        { type: 'function_call', call_id: 'fc_1', name: 'add', arguments: '{"a":2,"b":3}' },
        { type: 'function_call_output', call_id: 'fc_1', output: '5' },
      ],
    });
    const body = sse([
      { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', delta: 'It is ' } },
      { event: 'response.completed', data: { type: 'response.completed', response: { output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'It is 5.' }] }] } } },
    ]);
    const c = parseConversation('responses', request, body);
    expect(c.request.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(c.request[2]!.parts[0]).toMatchObject({ kind: 'tool_call', name: 'add' });
    expect(c.request[3]!.parts[0]).toMatchObject({ kind: 'tool_result', content: '5' });
    expect(c.response[0]!.parts).toEqual([{ kind: 'text', text: 'It is 5.' }]);
  });

  it('shows an item type it does not know whole, under its role (Codex\'s additional_tools), not as an empty message', () => {
    const tools = [{ type: 'function', name: 'shell', parameters: { type: 'object' } }];
    const request = JSON.stringify({ input: [{ type: 'additional_tools', role: 'developer', tools }, { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] });
    const c = parseConversation('responses', request, JSON.stringify({ output: [] }));
    expect(c.request[0]).toEqual({ role: 'developer', parts: [{ kind: 'other', label: 'additional_tools', value: { type: 'additional_tools', role: 'developer', tools } }] });
    expect(c.request[1]!.parts).toEqual([{ kind: 'text', text: 'hi' }]);
  });

  it('takes a plain string input', () => {
    const c = parseConversation('responses', JSON.stringify({ input: 'hello' }), JSON.stringify({ output: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }] }));
    expect(c.request).toEqual([{ role: 'user', parts: [{ kind: 'text', text: 'hello' }] }]);
    expect(c.response[0]!.parts[0]).toMatchObject({ kind: 'tool_call', name: 'f' });
  });
});

describe('parseSse', () => {
  it('skips [DONE], comments and broken frames', () => {
    expect(parseSse(': ping\n\ndata: {"a":1}\n\ndata: {broken\n\ndata: [DONE]\n\n')).toEqual([{ event: '', data: { a: 1 } }]);
  });
});
