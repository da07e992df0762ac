import Anthropic, * as AnthropicErrors from '@anthropic-ai/sdk';
import OpenAI, * as OpenAIErrors from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MockUpstream } from './index.ts';
import { startMockUpstream } from './index.ts';
import { SCENARIO_HEADER } from './scenarios.ts';

let mock: MockUpstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  mock = await startMockUpstream();
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });
});
afterAll(() => mock.close());
afterEach(() => {
  mock.reset();
  mock.scenario = undefined;
});

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
const messages = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };
const scenario = (name: string) => ({ headers: { [SCENARIO_HEADER]: name } });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error,
  );
}

describe('error scenarios surface as the SDKs typed errors', () => {
  const openaiCases = [
    [400, OpenAIErrors.BadRequestError, 'invalid_request_error', 'invalid_value'],
    [401, OpenAIErrors.AuthenticationError, 'invalid_request_error', 'invalid_api_key'],
    [404, OpenAIErrors.NotFoundError, 'invalid_request_error', 'model_not_found'],
    [429, OpenAIErrors.RateLimitError, 'requests', 'rate_limit_exceeded'],
    [500, OpenAIErrors.InternalServerError, 'server_error', null],
    [529, OpenAIErrors.InternalServerError, 'server_error', null],
  ] as const;

  it.each(openaiCases)('OpenAI error-%i', async (status, ErrorClass, type, code) => {
    const error = await rejection(openai.chat.completions.create(chat, scenario(`error-${status}`)));
    expect(error).toBeInstanceOf(ErrorClass);
    const apiError = error as OpenAIErrors.APIError;
    expect(apiError.status).toBe(status);
    expect(apiError.type).toBe(type);
    expect(apiError.code).toBe(code);
    expect(apiError.requestID).toMatch(/^req_/);
    expect(Object.keys(apiError.error ?? {}).sort()).toEqual(['code', 'message', 'param', 'type']);
  });

  const anthropicCases = [
    [400, AnthropicErrors.BadRequestError, 'invalid_request_error'],
    [401, AnthropicErrors.AuthenticationError, 'authentication_error'],
    [404, AnthropicErrors.NotFoundError, 'not_found_error'],
    [429, AnthropicErrors.RateLimitError, 'rate_limit_error'],
    [500, AnthropicErrors.InternalServerError, 'api_error'],
    [529, AnthropicErrors.OverloadedError, 'overloaded_error'],
  ] as const;

  it.each(anthropicCases)('Anthropic error-%i', async (status, ErrorClass, type) => {
    const error = await rejection(anthropic.messages.create(messages, scenario(`error-${status}`)));
    expect(error).toBeInstanceOf(ErrorClass);
    const apiError = error as AnthropicErrors.APIError;
    expect(apiError.status).toBe(status);
    expect(apiError.type).toBe(type);
    expect(apiError.requestID).toMatch(/^req_/);
    expect(apiError.error).toEqual({ type: 'error', error: { type, message: expect.any(String) }, request_id: apiError.requestID });
  });

  it('error-429 carries retry-after and retry-after-ms', async () => {
    const error = (await rejection(openai.chat.completions.create(chat, scenario('error-429')))) as OpenAIErrors.APIError;
    expect(error.headers?.get('retry-after')).toBe('7');
    expect(error.headers?.get('retry-after-ms')).toBe('7000');
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    const claude = (await rejection(anthropic.messages.create(messages, scenario('error-429')))) as AnthropicErrors.APIError;
    expect(claude.headers?.get('retry-after')).toBe('7');
    expect(claude.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
  });

  it('errors on a streamed request come back before any stream', async () => {
    const error = await rejection(openai.chat.completions.create({ ...chat, stream: true }, scenario('error-500')));
    expect(error).toBeInstanceOf(OpenAIErrors.InternalServerError);
  });
});

describe('echo-key: a provider that quotes the caller\'s key', () => {
  it('puts it in OpenAI\'s 401 wording and in Anthropic\'s error body, and in a response header', async () => {
    const error = (await rejection(openai.chat.completions.create(chat, scenario('error-401,echo-key')))) as OpenAIErrors.APIError;
    expect(error).toBeInstanceOf(OpenAIErrors.AuthenticationError);
    expect(error.message).toContain('Incorrect API key provided: sk-test.');
    expect(error.headers?.get('x-debug-api-key')).toBe('sk-test');
    const claude = (await rejection(anthropic.messages.create(messages, scenario('error-401,echo-key')))) as AnthropicErrors.APIError;
    expect(claude).toBeInstanceOf(AnthropicErrors.AuthenticationError);
    expect(claude.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key (x-api-key: sk-ant-test)' } });
  });

  it('quotes it in the in-stream errors of both providers (Anthropic: event: error), written in pieces through the key', async () => {
    const stream = await anthropic.messages.create({ ...messages, stream: true }, scenario('error-mid-stream,echo-key,split-frames'));
    const error = await (async () => {
      try {
        for await (const _ of stream) { /* until the error */ }
      } catch (e) {
        return e as AnthropicErrors.APIError;
      }
    })();
    expect(error?.message).toContain('(x-api-key: sk-ant-test)');

    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: 'Bearer sk-test-long-enough-to-split', [SCENARIO_HEADER]: 'error-mid-stream,echo-key,split-frames' },
      body: JSON.stringify({ ...chat, stream: true }),
    });
    const pieces: string[] = [];
    const decoder = new TextDecoder();
    const reader = res.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) pieces.push(decoder.decode(r.value));
    expect(pieces.join('')).toContain('"message":"The server had an error while processing your request. Sorry about that! (API key: sk-test-long-enough-to-split)"');
    // The frame holding the key arrived in two chunks, cut through the key.
    expect(pieces.some((p) => p.endsWith('sk-test-long-e'))).toBe(true);
  });
});

describe('requests the providers reject themselves', () => {
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('401 without a key, in each provider shape', async () => {
    const res = await post('/v1/chat/completions', JSON.stringify(chat), {});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { message: expect.stringContaining("You didn't provide an API key"), type: 'invalid_request_error', param: null, code: null },
    });
    const claude = await post('/v1/messages', JSON.stringify(messages), { 'anthropic-version': '2023-06-01' });
    expect(claude.status).toBe(401);
    expect(await claude.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('skips the key check when requireAuth is false', async () => {
    const open = await startMockUpstream({ requireAuth: false });
    try {
      const res = await fetch(`${open.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
      expect(res.status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('400 for malformed JSON, in each provider shape', async () => {
    const res = await post('/v1/chat/completions', '{"model":', { authorization: 'Bearer k' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('parse the JSON') } });
    expect(mock.requests[0]?.body).toBe('{"model":');
    const claude = await post('/v1/messages', '{oops', { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' });
    expect(claude.status).toBe(400);
    expect(await claude.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' }, request_id: expect.any(String) });
  });

  it('400 for a missing required field or anthropic-version', async () => {
    const noMaxTokens = await post('/v1/messages', JSON.stringify({ model: 'c', messages: [] }), { 'x-api-key': 'k', 'anthropic-version': '1' });
    expect(await noMaxTokens.json()).toMatchObject({ error: { message: 'max_tokens: Field required' } });
    const noVersion = await post('/v1/messages', JSON.stringify(messages), { 'x-api-key': 'k' });
    expect(await noVersion.json()).toMatchObject({ error: { message: 'anthropic-version: header is required' } });
    const noMessages = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o' }), { authorization: 'Bearer k' });
    expect(await noMessages.json()).toMatchObject({ error: { param: 'messages', code: 'missing_required_parameter' } });
  });

  it('404 for an unknown route, 400 for an unknown scenario', async () => {
    const res = await post('/v1/nope', '{}', { authorization: 'Bearer k' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { message: 'Invalid URL (POST /v1/nope)' } });
    const error = (await rejection(openai.chat.completions.create(chat, scenario('explode')))) as OpenAIErrors.APIError;
    expect(error.status).toBe(400);
    expect(error.message).toContain("Unknown x-mock-scenario 'explode'");
  });
});

describe('timing scenarios', () => {
  it('slow-headers-MS delays the response headers', async () => {
    const started = performance.now();
    await openai.chat.completions.create(chat, scenario('slow-headers-150'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('latencyMs delays every response', async () => {
    const slow = await startMockUpstream({ latencyMs: 100 });
    try {
      const client = new OpenAI({ apiKey: 'k', baseURL: `${slow.url}/v1`, maxRetries: 0 });
      const started = performance.now();
      await client.models.list();
      expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    } finally {
      await slow.close();
    }
  });

  it('slow-stream-MS spaces the frames', async () => {
    const stream = await openai.chat.completions.create({ ...chat, stream: true }, scenario('slow-stream-40'));
    const arrivals: number[] = [];
    for await (const _chunk of stream) arrivals.push(performance.now());
    // 7 chunks and [DONE]: 7 gaps of 40 ms between the first and the last chunk.
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(200);
  });

  it('chunkIntervalMs paces streams and chunkCount sizes them', async () => {
    const paced = await startMockUpstream({ chunkCount: 2, chunkIntervalMs: 30 });
    try {
      const client = new Anthropic({ apiKey: 'k', baseURL: paced.url, maxRetries: 0 });
      const started = performance.now();
      const raw = await client.messages.create({ ...messages, stream: true });
      let deltas = 0;
      for await (const event of raw) if (event.type === 'content_block_delta') deltas += 1;
      expect(deltas).toBe(2);
      expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    } finally {
      await paced.close();
    }
  });
});

describe('stalls, disconnects and mid-stream failures', () => {
  it('stall-after-first-chunk holds the stream open until the client aborts', async () => {
    const controller = new AbortController();
    const stream = await openai.chat.completions.create({ ...chat, stream: true }, { ...scenario('stall-after-first-chunk'), signal: controller.signal });
    const received: string[] = [];
    const reading = (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })();
    await vi.waitFor(() => expect(received).toHaveLength(2));
    expect(mock.disconnects).toBe(0);
    controller.abort();
    await reading.catch(() => undefined);
    await vi.waitFor(() => expect(mock.disconnects).toBe(1));
  });

  it('stall-after-first-chunk on Anthropic sends message_start up to the first delta', async () => {
    const stream = anthropic.messages.stream(messages, scenario('stall-after-first-chunk'));
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const settled = stream.done().catch((error: unknown) => error);
    await vi.waitFor(() => expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta']));
    stream.abort();
    expect(await settled).toBeInstanceOf(AnthropicErrors.APIUserAbortError);
    await vi.waitFor(() => expect(mock.disconnects).toBe(1));
  });

  it('a non-streamed stall sends headers and never the body', async () => {
    const controller = new AbortController();
    const pending = fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', [SCENARIO_HEADER]: 'stall-after-first-chunk' },
      body: JSON.stringify(chat),
      signal: controller.signal,
    });
    const res = await pending;
    expect(res.status).toBe(200);
    controller.abort();
    await vi.waitFor(() => expect(mock.disconnects).toBe(1));
  });

  it('error-mid-stream ends an OpenAI stream with an error the SDK throws', async () => {
    const stream = await openai.chat.completions.create({ ...chat, stream: true }, scenario('error-mid-stream'));
    const received: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    );
    expect(error).toBeInstanceOf(OpenAIErrors.APIError);
    expect((error as OpenAIErrors.APIError).type).toBe('server_error');
    expect(received).toHaveLength(2);
  });

  it('error-mid-stream sends an Anthropic error event', async () => {
    const error = await rejection(anthropic.messages.stream(messages, scenario('error-mid-stream')).finalMessage());
    expect(error).toBeInstanceOf(AnthropicErrors.APIError);
    expect((error as AnthropicErrors.APIError).type).toBe('overloaded_error');
  });

  it('error-mid-stream fails a Responses stream with response.failed', async () => {
    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'hi', stream: true }, scenario('error-mid-stream'));
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type).slice(-2)).toEqual(['response.output_text.delta', 'response.failed']);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
  });
});

describe('scenario selection', () => {
  it('queued scenarios apply to the next requests in order, so a retry can succeed', async () => {
    mock.enqueueScenarios('error-500');
    const retrying = new OpenAI({ apiKey: 'k', baseURL: `${mock.url}/v1`, maxRetries: 1 });
    const completion = await retrying.chat.completions.create(chat);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(mock.requests).toHaveLength(2);
  });

  it('a default scenario applies until a header overrides it', async () => {
    mock.scenario = 'error-529';
    await expect(openai.chat.completions.create(chat)).rejects.toMatchObject({ status: 529 });
    await expect(openai.chat.completions.create(chat, scenario('ok'))).resolves.toMatchObject({ object: 'chat.completion' });
  });

  it('scenarios combine with commas', async () => {
    const started = performance.now();
    await expect(openai.chat.completions.create(chat, scenario('slow-headers-100,error-404'))).rejects.toMatchObject({ status: 404 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('reset forgets requests and disconnects', async () => {
    await openai.chat.completions.create(chat);
    mock.reset();
    expect(mock.requests).toEqual([]);
    expect(mock.disconnects).toBe(0);
  });
});
