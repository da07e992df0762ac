import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MockUpstream } from './index.ts';
import { countTokens, mockReplyText, promptTextOf, startMockUpstream } from './index.ts';
import { REASONING_TOKENS } from './models.ts';

let mock: MockUpstream;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  client = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city', 'days', 'unit'],
      additionalProperties: false,
    },
  },
};

describe('chat completions', () => {
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello to the mock' }] };

  it('answers with a dated snapshot, predictable usage and OpenAI headers', async () => {
    const { data, response, request_id } = await client.chat.completions.create(request).withResponse();
    const text = mockReplyText(request);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('gpt-4o-mini-2024-07-18');
    expect(data.choices[0]?.message.content).toBe(text);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    const promptTokens = countTokens(promptTextOf(request));
    expect(data.usage).toMatchObject({
      prompt_tokens: promptTokens,
      completion_tokens: countTokens(text),
      total_tokens: promptTokens + countTokens(text),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(request_id).toMatch(/^req_/);
    expect(response.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9999');
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(10_000_000 - promptTokens));
    expect(mock.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: request });
    expect(mock.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('reports half the prompt as cached when the same prompt comes again', async () => {
    const long = { ...request, messages: [{ role: 'user' as const, content: 'x'.repeat(400) }] };
    await client.chat.completions.create(long);
    const again = await client.chat.completions.create(long);
    expect(again.usage?.prompt_tokens_details?.cached_tokens).toBe(50);
  });

  it('gives different prompts different replies', async () => {
    const a = await client.chat.completions.create(request);
    const b = await client.chat.completions.create({ ...request, messages: [{ role: 'user', content: 'Another' }] });
    expect(a.choices[0]?.message.content).not.toBe(b.choices[0]?.message.content);
  });

  it('streams role, content, finish and usage chunks, then [DONE]', async () => {
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toHaveLength(1 + 5 + 1 + 1);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(mockReplyText(request));
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(countTokens(text));
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.model === 'gpt-4o-mini-2024-07-18')).toBe(true);
  });

  it('streams without a usage chunk or usage fields unless asked', async () => {
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && !('usage' in chunk))).toBe(true);
  });

  it('assembles under the SDK stream helper', async () => {
    const completion = await client.chat.completions.stream(request).finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe(mockReplyText(request));
  });

  it('calls the first tool with arguments that fit its schema', async () => {
    const completion = await client.chat.completions.create({ ...request, tools: [weatherTool] });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'mock', days: 1, unit: 'c' });
    expect(completion.usage?.completion_tokens).toBe(countTokens(`get_weather${call.function.arguments}`));
  });

  it('streams tool call deltas that the SDK helper reassembles', async () => {
    const stream = client.chat.completions.stream({ ...request, tools: [weatherTool] });
    const deltas: string[] = [];
    stream.on('tool_calls.function.arguments.delta', (event) => deltas.push(event.arguments_delta));
    const completion = await stream.finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(call.function.arguments);
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'mock', days: 1, unit: 'c' });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('answers in text once the tool result is back, or when tool_choice is none', async () => {
    const afterTool = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    });
    expect(afterTool.choices[0]?.finish_reason).toBe('stop');
    const none = await client.chat.completions.create({ ...request, tools: [weatherTool], tool_choice: 'none' });
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('returns valid JSON in JSON mode, matching a json_schema', async () => {
    const object = await client.chat.completions.create({ ...request, response_format: { type: 'json_object' } });
    expect(JSON.parse(object.choices[0]?.message.content ?? '')).toEqual({ reply: mockReplyText(request) });
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } }, ok: { type: 'boolean' } },
      required: ['name', 'tags', 'ok'],
      additionalProperties: false,
    };
    const stream = client.chat.completions.stream({
      ...request,
      response_format: { type: 'json_schema', json_schema: { name: 'card', schema, strict: true } },
    });
    const completion = await stream.finalChatCompletion();
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ name: 'mock', tags: ['mock'], ok: true });
  });

  it('reports reasoning tokens for reasoning models', async () => {
    const completion = await client.chat.completions.create({ ...request, model: 'o3-mini' });
    expect(completion.model).toBe('o3-mini-2025-01-31');
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(REASONING_TOKENS);
    expect(completion.usage?.completion_tokens).toBe(countTokens(mockReplyText(request)) + REASONING_TOKENS);
  });
});

describe('legacy completions', () => {
  const request = { model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time' };

  it('answers plain and streamed', async () => {
    const completion = await client.completions.create(request);
    expect(completion.object).toBe('text_completion');
    expect(completion.model).toBe('gpt-3.5-turbo-instruct-0914');
    expect(completion.choices[0]?.text).toBe(mockReplyText(request));
    expect(completion.usage?.prompt_tokens).toBe(countTokens(request.prompt));

    const stream = await client.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(mockReplyText(request));
    expect(usage?.completion_tokens).toBe(countTokens(text));
  });
});

describe('embeddings', () => {
  it('serves base64 by default (the SDK decodes it) and floats on request', async () => {
    const input = ['first text', 'second text'];
    const encoded = await client.embeddings.create({ model: 'text-embedding-3-small', input });
    expect(mock.requests[0]?.body).toMatchObject({ encoding_format: 'base64' });
    expect(encoded.data).toHaveLength(2);
    const vector = encoded.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(1536);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 4);
    expect(encoded.usage).toEqual({ prompt_tokens: countTokens(input[0] ?? '') + countTokens(input[1] ?? ''), total_tokens: 6 });

    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'first text', encoding_format: 'float' });
    expect(floats.data[0]?.embedding).toEqual(vector);
    expect(floats.data[0]?.embedding).not.toEqual(encoded.data[1]?.embedding);
  });

  it('honours dimensions', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-large', input: 'x', dimensions: 256 });
    expect(result.data[0]?.embedding).toHaveLength(256);
    expect(result.model).toBe('text-embedding-3-large');
  });
});

describe('responses', () => {
  const request = { model: 'gpt-4.1', instructions: 'Be brief.', input: 'Hello responses' };

  it('answers with an output message and usage', async () => {
    const response = await client.responses.create(request);
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.model).toBe('gpt-4.1-2025-04-14');
    expect(response.output_text).toBe(mockReplyText(request));
    expect(response.usage).toEqual({
      input_tokens: countTokens('Be brief.\nHello responses'),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: countTokens(response.output_text),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: countTokens('Be brief.\nHello responses') + countTokens(response.output_text),
    });
  });

  it('streams the documented event sequence with increasing sequence numbers', async () => {
    const stream = await client.responses.create({ ...request, stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(5).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('expected response.completed');
    expect(completed.response.usage?.output_tokens).toBe(countTokens(mockReplyText(request)));
  });

  it('assembles under the SDK stream helper', async () => {
    const response = await client.responses.stream(request).finalResponse();
    expect(response.output_text).toBe(mockReplyText(request));
  });

  it('calls function tools, streamed and not', async () => {
    const tools = [{ type: 'function' as const, name: 'lookup', strict: true, parameters: { type: 'object', properties: { q: { type: 'string' } } } }];
    const plain = await client.responses.create({ ...request, tools });
    expect(plain.output[0]).toMatchObject({ type: 'function_call', name: 'lookup', arguments: '{"q":"mock"}', status: 'completed' });
    const streamed = await client.responses.stream({ ...request, tools }).finalResponse();
    expect(streamed.output[0]).toMatchObject({ type: 'function_call', name: 'lookup', arguments: '{"q":"mock"}' });
  });
});

describe('models and provider variants', () => {
  it('lists models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
    expect(mock.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('serves Azure deployments with api-key auth and content filter results', async () => {
    const azure = new AzureOpenAI({ endpoint: mock.url, apiKey: 'azure-key', apiVersion: '2024-10-21', deployment: 'gpt-4o-mini', maxRetries: 0 });
    const completion = await azure.chat.completions.create({ model: '', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.model).toBe('gpt-4o-mini-2024-07-18');
    expect(mock.requests[0]?.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21');
    expect(mock.requests[0]?.headers['api-key']).toBe('azure-key');
    expect(completion).toHaveProperty('prompt_filter_results');

    const stream = await azure.chat.completions.create({ model: '', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices).toEqual([]);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(completion.choices[0]?.message.content);
  });

  it("serves Gemini's OpenAI-compatible path, echoing the model as asked", async () => {
    const gemini = new OpenAI({ apiKey: 'g-key', baseURL: `${mock.url}/v1beta/openai`, maxRetries: 0 });
    const completion = await gemini.chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.model).toBe('gemini-2.0-flash');
    expect(mock.requests[0]?.path).toBe('/v1beta/openai/chat/completions');
  });
});
