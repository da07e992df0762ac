import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { SseFramer } from '../../relay/sse.ts';
import type { StoredBody } from '../stored-response.ts';
import { planReplay, type ReplayRequest } from './replay-plan.ts';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => mock?.close());

/** What the provider (the mock, which speaks the exact wire formats) sent, as the cache stores it. */
async function upstream(path: string, body: object): Promise<StoredBody> {
  const res = await fetch(mock.url + path, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return { kind: 'json', text };
  const framer = new SseFramer();
  const frames = framer.push(text).map((e) => e.raw);
  const tail = framer.flush();
  if (tail) frames.push(tail.raw);
  return { kind: 'sse', frames };
}

/** A fetch that answers every SDK request with the replayed body, so the SDK parses exactly it. */
function replayFetch(body: StoredBody): typeof fetch {
  return async () =>
    body.kind === 'json'
      ? new Response(body.text, { headers: { 'content-type': 'application/json' } })
      : new Response(body.frames.join(''), { headers: { 'content-type': 'text/event-stream' } });
}

function replay(stored: StoredBody, request: ReplayRequest): StoredBody {
  const planned = planReplay(stored, request);
  if (!planned) throw new Error('expected a replay');
  return planned;
}

const openai = (body: StoredBody) => new OpenAI({ apiKey: 'x', baseURL: 'http://replay/v1', fetch: replayFetch(body), maxRetries: 0 });
const anthropic = (body: StoredBody) => new Anthropic({ apiKey: 'x', baseURL: 'http://replay', fetch: replayFetch(body), maxRetries: 0 });

const chatBody = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Tell me something.' }] };
const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('planReplay: OpenAI chat completions', () => {
  it('serves a non-streamed call from a stored stream, with the usage of its usage chunk', async () => {
    const direct = await openai(await upstream('/v1/chat/completions', chatBody)).chat.completions.create(chatBody);
    const stream = await upstream('/v1/chat/completions', { ...chatBody, stream: true, stream_options: { include_usage: true } });
    const assembled = replay(stream, { endpoint: 'chat.completions', stream: false, includeUsage: false });
    const completion = await openai(assembled).chat.completions.create(chatBody);
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: direct.choices[0]!.message.content });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: direct.usage!.prompt_tokens, completion_tokens: direct.usage!.completion_tokens });
  });

  it('serves a streamed call from a stored JSON completion, usage chunk only when asked', async () => {
    const json = await upstream('/v1/chat/completions', chatBody);
    const stored = JSON.parse((json as { text: string }).text) as OpenAI.ChatCompletion;
    for (const includeUsage of [true, false]) {
      const frames = replay(json, { endpoint: 'chat.completions', stream: true, includeUsage });
      const chunks = [];
      const request = { ...chatBody, stream: true as const, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) };
      for await (const chunk of await openai(frames).chat.completions.create(request)) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(stored.choices[0]!.message.content);
      expect(chunks.find((c) => c.usage)?.usage ?? null).toEqual(includeUsage ? stored.usage : null);
    }
  });

  it('round-trips tool calls both ways, through the SDK helpers', async () => {
    const body = { ...chatBody, tools: [weather] };
    const json = await upstream('/v1/chat/completions', body);
    const original = JSON.parse((json as { text: string }).text) as OpenAI.ChatCompletion;
    const streamed = replay(json, { endpoint: 'chat.completions', stream: true, includeUsage: false });
    const final = await openai(streamed).chat.completions.stream({ ...body, stream: true }).finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls).toEqual(original.choices[0]!.message.tool_calls);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');

    const stream = await upstream('/v1/chat/completions', { ...body, stream: true });
    const assembled = await openai(replay(stream, { endpoint: 'chat.completions', stream: false, includeUsage: false })).chat.completions.create(body);
    const call = assembled.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'mock' });
  });

  it('hides the usage chunk of a stored stream from a client that did not ask for it, and misses when one asked but none was stored', async () => {
    const withUsage = await upstream('/v1/chat/completions', { ...chatBody, stream: true, stream_options: { include_usage: true } });
    const hidden = replay(withUsage, { endpoint: 'chat.completions', stream: true, includeUsage: false });
    const chunks = [];
    for await (const chunk of await openai(hidden).chat.completions.create({ ...chatBody, stream: true })) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);

    const withoutUsage = await upstream('/v1/chat/completions', { ...chatBody, stream: true });
    expect(planReplay(withoutUsage, { endpoint: 'chat.completions', stream: true, includeUsage: true })).toBeUndefined();
    expect(planReplay(withoutUsage, { endpoint: 'chat.completions', stream: true, includeUsage: false })).toEqual(withoutUsage);
  });
});

/** The Message as the wire had it: the stream helper adds parsed_output and stop_details of its own. */
function wire(message: Anthropic.Message): unknown {
  const { parsed_output: _parsed, stop_details: _details, ...rest } = message as Anthropic.Message & { parsed_output?: unknown; stop_details?: unknown };
  return rest;
}

const messageBody = { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Tell me something.' }] };
const weatherTool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } };

describe('planReplay: Anthropic messages', () => {
  for (const tools of [undefined, [weatherTool]]) {
    const body = { ...messageBody, ...(tools ? { tools } : {}) };
    const label = tools ? 'a tool call' : 'text';

    it(`serves a non-streamed call from a stored stream (${label})`, async () => {
      const stream = await upstream('/v1/messages', { ...body, stream: true });
      const streamed = await anthropic(stream).messages.stream(body).finalMessage();
      const message = await anthropic(replay(stream, { endpoint: 'messages', stream: false, includeUsage: false })).messages.create(body);
      expect(message).toEqual(wire(streamed));
      expect(message.usage.output_tokens).toBeGreaterThan(1);
    });

    it(`serves a streamed call from a stored Message (${label})`, async () => {
      const json = await upstream('/v1/messages', body);
      const original = JSON.parse((json as { text: string }).text) as Anthropic.Message;
      const frames = replay(json, { endpoint: 'messages', stream: true, includeUsage: false });
      const final = await anthropic(frames).messages.stream(body).finalMessage();
      expect(wire(final)).toEqual(original);
    });
  }

  it('replays thinking blocks with their signature', () => {
    const message = {
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'end_turn', stop_sequence: null,
      content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'text', text: 'done' }],
      usage: { input_tokens: 5, output_tokens: 9 },
    };
    const frames = replay({ kind: 'json', text: JSON.stringify(message) }, { endpoint: 'messages', stream: true, includeUsage: false });
    const back = replay(frames, { endpoint: 'messages', stream: false, includeUsage: false });
    expect(JSON.parse((back as { text: string }).text)).toEqual(message);
  });
});

describe('planReplay: shapes it cannot convert are misses', () => {
  it('passes a stored shape through when the request asks for the same shape', () => {
    const json: StoredBody = { kind: 'json', text: '{"object":"response"}' };
    expect(planReplay(json, { endpoint: 'responses', stream: false, includeUsage: false })).toBe(json);
    const sse: StoredBody = { kind: 'sse', frames: ['event: response.created\ndata: {}\n\n'] };
    expect(planReplay(sse, { endpoint: 'responses', stream: true, includeUsage: false })).toBe(sse);
  });

  it('does not convert the Responses API, legacy completions or embeddings', () => {
    const json: StoredBody = { kind: 'json', text: '{"object":"text_completion","choices":[]}' };
    const sse: StoredBody = { kind: 'sse', frames: ['data: {"choices":[]}\n\n'] };
    for (const endpoint of ['responses', 'completions', 'embeddings'] as const) {
      expect(planReplay(json, { endpoint, stream: true, includeUsage: false })).toBeUndefined();
      expect(planReplay(sse, { endpoint, stream: false, includeUsage: false })).toBeUndefined();
    }
  });

  it('misses on a stored stream whose choice, tool call or content block index is out of range, without walking it', () => {
    const chat = (choice: object) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [choice] })}\n\n`;
    const anthropicStream = (index: number) => [
      `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', content: [], model: 'c', usage: { input_tokens: 1, output_tokens: 0 } } })}\n\n`,
      `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })}\n\n`,
      `event: message_stop\ndata: {"type":"message_stop"}\n\n`,
    ];
    for (const index of [1e8, -1, 1.5, 65_536]) {
      const frames = [chat({ index, delta: { content: 'x' } })];
      expect(planReplay({ kind: 'sse', frames }, { endpoint: 'chat.completions', stream: false, includeUsage: false }), String(index)).toBeUndefined();
      const tool = [chat({ index: 0, delta: { tool_calls: [{ index, id: 't', function: { name: 'f', arguments: '{}' } }] } })];
      expect(planReplay({ kind: 'sse', frames: tool }, { endpoint: 'chat.completions', stream: false, includeUsage: false }), String(index)).toBeUndefined();
      expect(planReplay({ kind: 'sse', frames: anthropicStream(index) }, { endpoint: 'messages', stream: false, includeUsage: false }), String(index)).toBeUndefined();
    }
    // In range, both assemble.
    expect(planReplay({ kind: 'sse', frames: [chat({ index: 65_535, delta: { content: 'x' } })] }, { endpoint: 'chat.completions', stream: false, includeUsage: false })).toBeDefined();
    expect(planReplay({ kind: 'sse', frames: anthropicStream(65_535) }, { endpoint: 'messages', stream: false, includeUsage: false })).toBeDefined();
  });

  it('misses on a chat completion whose message a stream cannot carry', () => {
    const completion = {
      id: 'c', object: 'chat.completion', created: 1, model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'x', audio: { id: 'a' } }, finish_reason: 'stop' }],
    };
    expect(planReplay({ kind: 'json', text: JSON.stringify(completion) }, { endpoint: 'chat.completions', stream: true, includeUsage: false })).toBeUndefined();
  });
});
