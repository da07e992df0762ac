import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MockUpstream } from './index.ts';
import { countTokens, mockReplyText, promptTextOf, startMockUpstream } from './index.ts';

let mock: MockUpstream;
let client: Anthropic;

beforeAll(async () => {
  mock = await startMockUpstream();
  client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const model = 'claude-sonnet-4-6';
const request = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello Claude mock' }] };
const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('messages', () => {
  it('answers with a message, usage and Anthropic headers', async () => {
    const { data, response, request_id } = await client.messages.create(request).withResponse();
    const text = mockReplyText(request);
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model, stop_reason: 'end_turn', stop_sequence: null });
    expect(data.content).toEqual([{ type: 'text', text }]);
    expect(data.usage).toMatchObject({
      input_tokens: countTokens(promptTextOf(request)),
      output_tokens: countTokens(text),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    expect(request_id).toMatch(/^req_/);
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('3999');
    expect(response.headers.get('anthropic-ratelimit-tokens-remaining')).toMatch(/^\d+$/);
    // SDK 1.x sends the API key as a bearer token; x-api-key is covered below.
    const recorded = mock.requests[0];
    expect(recorded?.headers.authorization).toBe('Bearer sk-ant-test');
    expect(recorded?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('streams the documented events, assembled by the SDK helper', async () => {
    const raw = await client.messages.create({ ...request, stream: true });
    const types = [];
    for await (const event of raw) types.push(event.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array<string>(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);

    const message = await client.messages.stream(request).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: mockReplyText(request) }]);
    expect(message.usage.output_tokens).toBe(countTokens(mockReplyText(request)));
    expect(message.usage.input_tokens).toBe(countTokens(promptTextOf(request)));
  });

  it('sends ping after the first content_block_start', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const names = [...(await res.text()).matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
    expect(names.slice(0, 4)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta']);
  });

  it('uses a tool: a text block, then tool_use with schema-shaped input', async () => {
    const message = await client.messages.create({ ...request, tools: [weatherTool] });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[0]).toEqual({ type: 'text', text: 'Calling get_weather.' });
    expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'mock' } });
    expect(message.usage.output_tokens).toBe(countTokens('Calling get_weather.get_weather{"city":"mock"}'));

    const streamed = await client.messages.stream({ ...request, tools: [weatherTool] }).finalMessage();
    expect(streamed.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'mock' } });
    expect(streamed.stop_reason).toBe('tool_use');
  });

  it('answers in text after a tool_result', async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 256,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
      ],
    });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('writes the cacheable prefix once, then reads it', async () => {
    const system = 'You are a careful assistant. '.repeat(20);
    const cached = {
      ...request,
      system: [{ type: 'text' as const, text: system, cache_control: { type: 'ephemeral' as const } }],
    };
    const total = countTokens(promptTextOf(cached));
    const prefix = countTokens(system);

    const first = await client.messages.create(cached);
    expect(first.usage).toMatchObject({ input_tokens: total - prefix, cache_creation_input_tokens: prefix, cache_read_input_tokens: 0 });

    const second = await client.messages.stream(cached).finalMessage();
    expect(second.usage).toMatchObject({ input_tokens: total - prefix, cache_creation_input_tokens: 0, cache_read_input_tokens: prefix });
  });

  it('counts tokens', async () => {
    const counted = await client.messages.countTokens({ model, messages: request.messages });
    expect(counted).toEqual({ input_tokens: countTokens('Hello Claude mock') });
    expect(mock.requests[0]?.path).toBe('/v1/messages/count_tokens');
  });

  it('accepts x-api-key as well as a bearer token', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-raw', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(200);
    expect(mock.requests[0]?.headers['x-api-key']).toBe('sk-ant-raw');
  });

  it('returns schema-shaped JSON for structured outputs', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' }, score: { type: 'number' } }, required: ['answer', 'score'] };
    const message = await client.messages.create({ ...request, output_config: { format: { type: 'json_schema', schema } } });
    const block = message.content[0];
    expect(block?.type).toBe('text');
    expect(JSON.parse(block?.type === 'text' ? block.text : '')).toEqual({ answer: 'mock', score: 1 });
  });

  it('lists models in the Anthropic shape', async () => {
    const ids = [];
    for await (const info of client.models.list()) ids.push(info.id);
    expect(ids).toContain('claude-sonnet-4-6');
  });
});
