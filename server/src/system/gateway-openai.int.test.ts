import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { countTokens, mockReplyText, promptTextOf } from '@periscope/testkit';
import { createPriceBook } from '@periscope/proxy';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

let h: GatewayHarness;
const priceBook = createPriceBook();

beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => h?.close());

async function client(extraHeaders: Record<string, string> = {}) {
  const { project, key } = await h.newProject();
  const openai = new OpenAI({
    apiKey: 'sk-client-key-abcdefghijklmnop',
    baseURL: `${h.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { 'Periscope-Auth': `Bearer ${key}`, ...extraHeaders },
  });
  return { openai, project, key };
}

const messages = [{ role: 'user' as const, content: 'Say hello to the gateway test suite.' }];

describe('OpenAI SDK through the gateway', () => {
  it('relays a plain chat completion and logs one complete row', async () => {
    const { openai, project } = await client({
      'Periscope-User-Id': 'alice', 'Periscope-Session-Id': 'sess-1', 'Periscope-Session-Path': '/plan/1',
      'Periscope-Session-Name': 'Plan', 'Periscope-Property-Team': 'search', 'Helicone-Property-Env': 'test',
    });
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe(mockReplyText({ model: 'gpt-4o-mini', messages }));
    const requestId = response.headers.get('periscope-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('periscope-provider')).toBe('openai');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBeTruthy();

    const upstream = h.mock.requests.at(-1)!;
    expect(upstream.headers.authorization).toBe('Bearer sk-client-key-abcdefghijklmnop');
    expect(upstream.headers['periscope-auth']).toBeUndefined();

    const row = await h.row(requestId, project);
    expect(row).toMatchObject({
      request_id: requestId, project_id: project, provider: 'openai', model: 'gpt-4o-mini', endpoint: 'chat.completions',
      status: 200, error_type: '', streamed: false, ttft_ms: null, cache_status: 'bypass', attempts: 1,
      prompt_tokens: data.usage!.prompt_tokens, completion_tokens: data.usage!.completion_tokens,
      cache_read_tokens: data.usage!.prompt_tokens_details?.cached_tokens ?? 0,
      user_id: 'alice', session_id: 'sess-1', session_path: '/plan/1', session_name: 'Plan',
      properties: { team: 'search', env: 'test' }, upstream_request_id: response.headers.get('x-request-id'),
      cost_known: true,
    });
    expect(row.model_served).toBe(data.model);
    expect(row.model_served).not.toBe('gpt-4o-mini');
    expect(row.cost_usd).toBeGreaterThan(0);
    expect(row.cost_usd).toBeCloseTo(priceBook.cost('openai', data.model, {
      prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens, cache_read_tokens: row.cache_read_tokens,
      cache_write_tokens: 0, reasoning_tokens: row.reasoning_tokens,
    }).cost_usd, 12);
    expect(row.latency_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(row.request_body)).toMatchObject({ model: 'gpt-4o-mini', messages });
    expect(JSON.parse(row.response_body).id).toBe(data.id);
    expect(row.user_agent).toMatch(/OpenAI\/JS/);
  });

  it('relays and stores an agent-sized conversation whole: Latin-1 and wider text, long turns, a key in it scrubbed', async () => {
    const { openai, project } = await client();
    const key = 'sk-proj-agentcanary0123456789abcdef';
    const turns = [
      { role: 'system' as const, content: 'You are a coding agent. Café, naïve, Ærø: Latin-1 only. '.repeat(400) },
      { role: 'user' as const, content: `Read this file — then fix it ✓ 😀 中文 → ${'const re = /^\\/+/; // "quoted" \\n '.repeat(1500)}` },
      { role: 'assistant' as const, content: `Done. The config held ${key}; rotate it.` },
      { role: 'user' as const, content: 'é'.repeat(20_000) },
    ];
    const sent = JSON.stringify({ model: 'gpt-4o-mini', messages: turns });
    expect(Buffer.byteLength(sent)).toBeGreaterThan(100_000);
    const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: turns }).withResponse();
    expect(h.mock.requests.at(-1)!.body).toEqual({ model: 'gpt-4o-mini', messages: turns });
    const row = await h.row(response.headers.get('periscope-request-id')!, project);
    expect(row.request_truncated).toBe(false);
    expect(row.request_body).toBe(sent.replace(key, '[REDACTED]'));
  });

  it('streams chat chunk by chunk, hides the usage chunk it injected, and logs usage and TTFT', async () => {
    const { openai, project } = await client();
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).withResponse();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(mockReplyText({ model: 'gpt-4o-mini', messages }));
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect((h.mock.requests.at(-1)!.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });

    const requestId = response.headers.get('periscope-request-id')!;
    const row = await h.row(requestId, project);
    expect(row).toMatchObject({
      streamed: true, status: 200, prompt_tokens: countTokens(promptTextOf({ messages })),
      completion_tokens: countTokens(text),
    });
    expect(row.ttft_ms).not.toBeNull();
    expect(row.ttft_ms!).toBeLessThanOrEqual(row.latency_ms);
    expect(row.cost_usd).toBeGreaterThan(0);
    expect(row.response_body).toContain('data: [DONE]');
  });

  it('relays every event in order to a client that stops reading for a while (the relay waits for its socket to drain), and logs the call', async () => {
    const { openai, project } = await client({ 'x-mock-scenario': 'quote-prompt' });
    // Quoted three characters an event: about 19 MB of events, more than the sockets on the way hold.
    const prompt = Array.from({ length: 8000 }, (_, i) => `line ${String(i).padStart(5, '0')} of a long paste; `).join('');
    const quoted = [{ role: 'user' as const, content: prompt }];
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: quoted, stream: true }).withResponse();
    await new Promise((resolve) => setTimeout(resolve, 800));
    // The relay stopped reading the provider while the client's socket was full: the provider
    // could not hand over its whole answer (a relay that buffered instead would have taken it all).
    const upstream = h.mock.requests.at(-1)!;
    expect(upstream.answered).toBe(false);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(promptTextOf({ messages: quoted }));
    expect(upstream.answered).toBe(true);
    const row = await h.row(response.headers.get('periscope-request-id')!, project);
    expect(row).toMatchObject({ streamed: true, status: 200, error_type: '', completion_tokens: countTokens(text) });
  });

  it('keeps the usage chunk when the client asked for it', async () => {
    const { openai } = await client();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)!.usage?.prompt_tokens).toBe(countTokens(promptTextOf({ messages })));
  });

  it('relays tool calls, streamed and not', async () => {
    const { openai, project } = await client();
    const tools = [{
      type: 'function' as const,
      function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    }];
    const plain = await openai.chat.completions.create({ model: 'gpt-4.1', messages, tools });
    expect(plain.choices[0]!.finish_reason).toBe('tool_calls');
    expect(JSON.parse(plain.choices[0]!.message.tool_calls![0]!.type === 'function' ? (plain.choices[0]!.message.tool_calls![0] as { function: { arguments: string } }).function.arguments : '{}')).toHaveProperty('city');

    const runner = openai.chat.completions.stream({ model: 'gpt-4.1', messages, tools });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0] as { function: { name: string; arguments: string } };
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
    const rows = await h.rows(project, '', 2);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 200 && r.completion_tokens > 0 && r.model === 'gpt-4.1')).toBe(true);
    expect(rows.map((r) => r.streamed).sort()).toEqual([false, true]);
  });

  it('relays JSON mode', async () => {
    const { openai } = await client();
    const res = await openai.chat.completions.create({ model: 'gpt-4o', messages, response_format: { type: 'json_object' } });
    expect(() => JSON.parse(res.choices[0]!.message.content!)).not.toThrow();
  });

  it('relays legacy completions, streamed and not', async () => {
    const { openai, project } = await client();
    const res = await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time' });
    expect(res.choices[0]!.text.length).toBeGreaterThan(0);
    const stream = await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time', stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.text ?? '';
    expect(text).toBe(res.choices[0]!.text);
    const rows = await h.rows(project, '', 2);
    expect(rows.map((r) => [r.endpoint, r.streamed, r.prompt_tokens])).toEqual([
      ['completions', true, res.usage!.prompt_tokens],
      ['completions', false, res.usage!.prompt_tokens],
    ]);
  });

  it('relays embeddings (base64, decoded by the SDK)', async () => {
    const { openai, project } = await client();
    const res = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0]!.embedding.length).toBeGreaterThan(0);
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ endpoint: 'embeddings', prompt_tokens: res.usage.prompt_tokens, completion_tokens: 0, cost_known: true });
  });

  it('relays the Responses API, plain and streamed', async () => {
    const { openai, project } = await client();
    const plain = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Write one word.' });
    expect(plain.output_text.length).toBeGreaterThan(0);
    const stream = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Write one word.', stream: true });
    let streamed = '';
    let completedUsage: { input_tokens: number; output_tokens: number } | undefined;
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta') streamed += e.delta;
      if (e.type === 'response.completed') completedUsage = e.response.usage!;
    }
    expect(streamed).toBe(plain.output_text);
    const rows = await h.rows(project, '', 2);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatchObject({ endpoint: 'responses', prompt_tokens: plain.usage!.input_tokens, completion_tokens: plain.usage!.output_tokens });
    }
    expect(completedUsage!.input_tokens).toBe(plain.usage!.input_tokens);
    expect(rows.find((r) => r.streamed)!.ttft_ms).not.toBeNull();
  });

  it('lists models', async () => {
    const { openai, project } = await client();
    const page = await openai.models.list();
    expect(page.data.length).toBeGreaterThan(0);
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ endpoint: 'models', status: 200, provider: 'openai' });
  });

  it('routes by the models: map, the provider prefix and the Periscope-Provider header', async () => {
    const { openai, project, key } = await client();
    await openai.chat.completions.create({ model: 'fast', messages });
    expect((h.mock.requests.at(-1)!.body as { model: string }).model).toBe('llama-3.1-8b-instant');
    // The alias chose Groq, not the client: its OpenAI key must not go there; the configured Groq key does.
    expect(h.mock.requests.at(-1)!.headers.authorization).toBe('Bearer gsk_configuredgroqkey1234567890');

    const viaPrefix = new OpenAI({ apiKey: key, baseURL: `${h.url}/groq/v1`, maxRetries: 0 });
    await viaPrefix.chat.completions.create({ model: 'llama-3.3-70b', messages });
    // The gateway key doubles as the SDK's API key: the configured provider key goes upstream.
    expect(h.mock.requests.at(-1)!.headers.authorization).toBe('Bearer gsk_configuredgroqkey1234567890');

    await openai.chat.completions.create({ model: 'mistral-small', messages }, { headers: { 'Periscope-Provider': 'groq' } });
    await openai.chat.completions.create({ model: 'gemini-2.5-flash', messages });
    expect(h.mock.requests.at(-1)!.path).toBe('/v1beta/openai/chat/completions');

    const rows = await h.rows(project, '', 4);
    const byModel = Object.fromEntries(rows.map((r) => [r.model, r]));
    expect(byModel.fast).toMatchObject({ provider: 'groq', cost_known: true });
    expect(byModel['llama-3.3-70b']).toMatchObject({ provider: 'groq', cost_known: false, cost_usd: 0 });
    expect(byModel['mistral-small']).toMatchObject({ provider: 'groq' });
    expect(byModel['gemini-2.5-flash']).toMatchObject({ provider: 'gemini' });
  });

  it('addresses an Azure deployment with its api-key', async () => {
    const { key, project } = await client();
    const azure = new OpenAI({ apiKey: key, baseURL: `${h.url}/azure/v1`, maxRetries: 0 });
    const res = await azure.chat.completions.create({ model: 'prod-gpt4o', messages });
    expect(res.choices[0]!.message.content).toBeTruthy();
    const upstream = h.mock.requests.at(-1)!;
    expect(upstream.path).toBe('/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21');
    expect(upstream.headers['api-key']).toBe('azure-configured-key-123');
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ provider: 'azure', model: 'prod-gpt4o', status: 200 });
  });

  it('passes any other path under a provider prefix through unchanged', async () => {
    const { project, key } = await client();
    const res = await fetch(`${h.url}/openai/v1/files?purpose=batch&limit=2`, { headers: { 'Periscope-Auth': `Bearer ${key}`, authorization: 'Bearer sk-client-key-abcdefghijklmnop' } });
    const upstream = h.mock.requests.at(-1)!;
    expect(upstream).toMatchObject({ method: 'GET', path: '/v1/files?purpose=batch&limit=2' });
    expect(res.status).toBe(404); // the mock has no files API: its own 404 comes back as sent
    expect(((await res.json()) as { error: { message: string } }).error.message).toBeTruthy();
    const [row] = await h.rows(project);
    expect(row).toMatchObject({ endpoint: 'passthrough', provider: 'openai', status: 404, error_type: 'not_found' });
  });
});
